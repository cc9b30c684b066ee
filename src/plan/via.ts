import { isAbsolute } from 'node:path';
import { createChainLoader, diagnostic, MAX_FILE_BYTES, parseChainText, type ChainLoader } from '../chain/index.js';
import type { GitRepo } from './git.js';
import { blobSide, isSameChain, sideOf, type Side } from './side.js';

/** A planned chain whose own file means the same now as at the base (unchanged, or only moved). */
export interface SameFile {
  before: Side;
  after: Side;
}

export interface ViaContext {
  repo: GitRepo;
  commit: string;
  /** Working directory of the plan: files are named relative to it. */
  cwd: string;
  /** The repository's top as seen from `cwd` (symbolic links in `cwd` kept): `uses:` stay inside it. */
  root: string;
  /** The working tree's loader, after it loaded every planned file: its graph of `uses:` is now's. */
  head: ChainLoader;
  /** Blobs of the base already read, by path from the repository root. */
  baseBlobs: ReadonlyMap<string, Buffer>;
  toRepoPath(file: string): string;
  /** The working tree's side of a file, undefined when there is none now. */
  headSideOf(file: string): Side | undefined;
}

/**
 * SPEC 3.3, "plan marks a chain whose child changed as `changed (via lib/crm-sync.yaml)`": for
 * each chain in `same`, the files it uses, directly or not, that differ from the base — changed,
 * added, or removed — sorted. Empty for a chain whose children are all as they were.
 *
 * Both graphs count: now's (a child changed or added) and the base's, read from git through the
 * same loader (a child that is gone). The base's graph is only built when a chain uses another.
 */
export async function changedVia(same: readonly SameFile[], ctx: ViaContext): Promise<string[][]> {
  // A chain with no chain step used none at the base either: its file is the same.
  if (!same.some((s) => usesAChain(ctx.head, s.after.file))) return same.map(() => []);
  const now = same.map((s) => ctx.head.filesOf(s.after.file).slice(1));
  const known = new Map<string, Buffer | null>(ctx.baseBlobs);
  await readBase(ctx, known, now.flat().map(ctx.toRepoPath));
  const base = await loadBase(
    same.filter((s) => usesAChain(ctx.head, s.after.file)).map((s) => s.before.file),
    ctx,
    known,
  );

  const differs = (file: string): boolean => {
    const repoPath = ctx.toRepoPath(file);
    const bytes = known.get(repoPath);
    const after = ctx.headSideOf(file);
    if (!bytes || !after) return true; // added since the base, or gone now
    const parsed = base.loaded(file)?.parsed;
    const before = parsed ? sideOf(file, repoPath, bytes, parsed) : blobSide(file, repoPath, bytes);
    return !isSameChain(before, after);
  };
  return same.map((s, i) => {
    if (!usesAChain(ctx.head, s.after.file)) return [];
    const own = new Set([s.after.file, s.before.file]);
    const uses = new Set(now[i]);
    const via = [...uses].filter((file) => !own.has(file) && differs(file));
    // Used at the base and not now: gone (a child removed), or dropped by a change listed above.
    for (const file of base.filesOf(s.before.file).slice(1))
      if (!own.has(file) && !uses.has(file) && !ctx.headSideOf(file)) via.push(file);
    return [...new Set(via)].sort();
  });
}

/** Whether the chain of `file` has a chain step, whether or not its child can be found now. */
function usesAChain(loader: ChainLoader, file: string): boolean {
  return loader.loaded(file)?.compiled?.chain.steps.some((step) => step.kind === 'chain') ?? false;
}

/** Reads the base's blobs of `paths` not read yet; a path with no file at the base is recorded as null. */
async function readBase(ctx: ViaContext, known: Map<string, Buffer | null>, paths: readonly string[]): Promise<void> {
  const wanted = [...new Set(paths)].filter((p) => !known.has(p));
  const inRepo = wanted.filter((p) => p !== '..' && !p.startsWith('../') && !isAbsolute(p));
  for (const p of wanted) known.set(p, null);
  if (inRepo.length === 0) return;
  const listed = (await ctx.repo.listFiles(ctx.commit, inRepo)).filter((f) => inRepo.includes(f.path));
  const blobs = await ctx.repo.readBlobs(listed.map((f) => f.oid));
  for (const f of listed) known.set(f.path, blobs.get(f.oid) ?? Buffer.alloc(0));
}

/**
 * The chains of `files` as they were at the base, with every chain they used: a loader reading
 * git blobs. A child is known only once its parent is parsed, so each round reads the blobs of
 * the files the last one asked for, until none is new (at most one round per level of nesting).
 */
async function loadBase(
  files: readonly string[],
  ctx: ViaContext,
  known: Map<string, Buffer | null>,
): Promise<ChainLoader> {
  const asked = new Map<string, string>();
  const absent = (file: string) => ({
    diagnostics: [diagnostic('path.not_found', file, { line: 1, column: 1 }, `no file ${file} at the base`)],
  });
  const loader = createChainLoader({
    cwd: ctx.cwd,
    roots: [ctx.root],
    keepSource: false,
    reader: {
      read(file) {
        const repoPath = ctx.toRepoPath(file);
        const bytes = known.get(repoPath);
        if (bytes === undefined) asked.set(file, repoPath);
        if (!bytes) return absent(file);
        if (bytes.length > MAX_FILE_BYTES)
          return {
            diagnostics: [diagnostic('file.too_large', file, { line: 1, column: 1 }, `${file} is too large`)],
          };
        return parseChainText(file, bytes.toString('utf8'));
      },
    },
  });
  for (;;) {
    loader.load(files);
    if (asked.size === 0) return loader;
    const round = [...asked];
    asked.clear();
    await readBase(
      ctx,
      known,
      round.map(([, repoPath]) => repoPath),
    );
    for (const [file] of round) loader.invalidate(file);
  }
}
