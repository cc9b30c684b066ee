import { realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { createChainLoader, discoverChainFiles, givenRoots, positionOf, type Diagnostic } from '../chain/index.js';
import { diffChainDocuments } from './diff-chain.js';
import { GitError, openGitRepo, type GitRepo } from './git.js';
import { revisionProblem, revisionOf } from './revision.js';
import { blobSide, headSide, isSameChain, sideOf, type Side } from './side.js';
import type { PlanEntry, PlanResult, PlanStatus, RevisionProblem } from './types.js';
import type { PlainObject } from './values.js';
import { changedVia, type SameFile } from './via.js';

export interface CreatePlanOptions {
  /** Chain files or directories, as for `validate`. Default `['chains']`. */
  paths?: readonly string[];
  /** The git ref to compare with, e.g. `origin/main`. */
  base: string;
  /** Working directory: paths are taken and files are named relative to it. Default `process.cwd()`. */
  cwd?: string;
  /** Report a changed chain whose `revision` was not raised as a problem. Default true. */
  checkRevision?: boolean;
}

/**
 * `cxchain plan` (SPEC 4, 8): the chains under `paths` now, against the same paths at `base`.
 * Chains are matched by path, then by `chain_id` (a moved file is the same chain); everything in
 * the working tree is validated; a changed chain must raise its `revision`, as Helm's chart-testing
 * requires a version bump. A chain whose file is the same but a chain it uses is not is `changed`
 * with `via` (SPEC 3.3), and needs no bump of its own.
 */
export async function createPlan(options: CreatePlanOptions): Promise<PlanResult> {
  const cwd = options.cwd ?? process.cwd();
  const paths = options.paths?.length ? options.paths : ['chains'];
  const repo = await openGitRepo(cwd);
  const commit = await repo.resolveCommit(options.base);
  const physicalCwd = realpathSync(cwd);
  const toRepoPath = (file: string) => relative(repo.root, resolve(physicalCwd, file)).split(sep).join('/');
  const toFile = (repoPath: string) => relative(physicalCwd, join(repo.root, repoPath)) || repoPath;

  const headFiles = new Set<string>();
  const baseFiles = new Map<string, string>();
  const pathDiagnostics: Diagnostic[] = [];
  for (const given of paths) {
    const scope = toRepoPath(given);
    if (scope === '..' || scope.startsWith('../') || isAbsolute(scope))
      throw new GitError(
        `\`${given}\` is outside the git repository at ${repo.root}; plan compares files of that repository only`,
      );
    const found = await discoverChainFiles([given], { cwd });
    const before = (await repo.listFiles(commit, [scope || '.'])).filter((f) => isChainPathUnder(f.path, scope));
    for (const file of found.files) headFiles.add(file);
    for (const f of before) baseFiles.set(f.path, f.oid);
    // A directory that is gone now but held chains at the base is a removal, not a mistake; a
    // pipe, a device or a folder that cannot be read is a mistake either way.
    pathDiagnostics.push(
      ...found.diagnostics.filter(
        (d) => before.length === 0 || d.code === 'path.not_regular' || d.code === 'path.unreadable',
      ),
    );
  }

  // Each working-tree file is read and parsed once, by the loader; the comparison reuses its text.
  const loader = createChainLoader({ cwd, roots: givenRoots(paths, cwd) });
  const loaded = headFiles.size > 0 ? loader.load([...headFiles]) : { chains: [], diagnostics: [], files: [] };
  const validFiles = new Set(loaded.chains.map((c) => c.file));
  const sideNow = (file: string) => headSide(cwd, file, toRepoPath(file), loader.loaded(file)?.parsed);
  // What cannot be read at all was reported by the loader; here it only compares as empty.
  const head = [...headFiles].map(
    (file) => sideNow(file) ?? sideOf(file, toRepoPath(file), Buffer.alloc(0), loader.loaded(file)?.parsed),
  );
  const base = await baseSides(repo, baseFiles, toFile);

  const entries: PlanEntry[] = [];
  const revisionProblems: RevisionProblem[] = [];
  const same: (SameFile & { entry: PlanEntry })[] = [];
  for (const [before, after] of pair(base, head)) {
    const entry = compare(before, after, after ? validFiles.has(after.file) : null);
    entries.push(entry);
    if (entry.status === 'changed' && after?.data && options.checkRevision !== false) {
      const problem = revisionProblem(entry, after.source);
      if (problem) revisionProblems.push(problem);
    }
    if (before && after && (entry.status === 'unchanged' || entry.status === 'moved'))
      same.push({ before, after, entry });
  }
  // SPEC 3.3: changed through a chain it uses. No revision problem: the chain's own file did not
  // change, and the child's own entry carries the child's revision check.
  const headByFile = new Map(head.map((side) => [side.file, side]));
  const via = await changedVia(same, {
    repo,
    commit,
    cwd,
    root: resolve(cwd, relative(physicalCwd, repo.root)),
    head: loader,
    baseBlobs: new Map(base.map((side) => [side.repoPath, side.bytes])),
    toRepoPath,
    headSideOf: (file) => headByFile.get(file) ?? sideNow(file),
  });
  same.forEach(({ entry }, i) => {
    const files = via[i] ?? [];
    if (files.length === 0) return;
    entry.status = 'changed';
    // Named as plan names every file: from the working directory, `../` included.
    entry.via = files.map((file) => toFile(toRepoPath(file))).sort();
  });
  entries.sort(byStatusThenFile);
  const diagnostics = [...pathDiagnostics, ...loaded.diagnostics];
  const count = (status: PlanStatus) => entries.filter((e) => e.status === status).length;
  return {
    base: { ref: options.base, commit },
    ok: diagnostics.length === 0 && revisionProblems.length === 0,
    summary: {
      added: count('added'),
      changed: count('changed'),
      moved: count('moved'),
      removed: count('removed'),
      unchanged: count('unchanged'),
      problems: diagnostics.length + revisionProblems.length,
    },
    chains: entries,
    diagnostics,
    revision_problems: revisionProblems,
  };
}

/** The rule `discoverChainFiles` walks by: `*.yaml`/`*.yml`, no hidden folder or node_modules below the given path. */
function isChainPathUnder(path: string, scope: string): boolean {
  if (path === scope) return true; // a file named on the command line is taken whatever its name
  const below = scope ? path.slice(scope.length + 1) : path;
  if (scope && !path.startsWith(`${scope}/`)) return false;
  const segments = below.split('/');
  return /\.ya?ml$/i.test(below) && segments.every((s) => !s.startsWith('.') && s !== 'node_modules');
}

async function baseSides(
  repo: GitRepo,
  files: ReadonlyMap<string, string>,
  toFile: (repoPath: string) => string,
): Promise<Side[]> {
  const blobs = await repo.readBlobs([...files.values()]);
  return [...files].map(([repoPath, oid]) => blobSide(toFile(repoPath), repoPath, blobs.get(oid) ?? Buffer.alloc(0)));
}

/** Pairs the two sides: same path (unless the chain_id changed), then same chain_id (a move). */
function pair(base: readonly Side[], head: readonly Side[]): [Side | undefined, Side | undefined][] {
  const pairs: [Side | undefined, Side | undefined][] = [];
  const unpairedBase = new Set(base);
  const unpairedHead: Side[] = [];
  const baseByPath = new Map(base.map((b) => [b.repoPath, b]));
  for (const h of head) {
    const b = baseByPath.get(h.repoPath);
    if (b && (b.chainId === h.chainId || b.chainId === null || h.chainId === null)) {
      pairs.push([b, h]);
      unpairedBase.delete(b);
    } else {
      unpairedHead.push(h);
    }
  }
  for (const h of unpairedHead) {
    const b = h.chainId === null ? undefined : [...unpairedBase].find((candidate) => candidate.chainId === h.chainId);
    if (b) unpairedBase.delete(b);
    pairs.push([b, h]);
  }
  for (const b of unpairedBase) pairs.push([b, undefined]);
  return pairs;
}

function stepCount(data: PlainObject | undefined): number | null {
  return Array.isArray(data?.steps) ? data.steps.length : null;
}

function compare(before: Side | undefined, after: Side | undefined, valid: boolean | null): PlanEntry {
  const side = (after ?? before) as Side;
  const entry: PlanEntry = {
    status: 'unchanged',
    chain_id: after?.chainId ?? before?.chainId ?? null,
    file: side.file,
    revision: { before: revisionOf(before?.data), after: revisionOf(after?.data) },
    steps: { before: stepCount(before?.data), after: stepCount(after?.data) },
    valid,
    chain_changes: [],
    step_changes: [],
  };
  if (!before) return { ...entry, status: 'added' };
  if (!after) return { ...entry, status: 'removed' };
  const moved = before.repoPath !== after.repoPath;
  if (moved) entry.previous_file = before.file;
  if (isSameChain(before, after)) return { ...entry, status: moved ? 'moved' : 'unchanged' };
  if (!before.data || !after.data) {
    return {
      ...entry,
      status: 'changed',
      note: `not compared step by step: the file does not parse ${after.data ? 'at the base' : 'now'}`,
    };
  }
  const source = after.source;
  const diff = diffChainDocuments(before.data, after.data, (index) =>
    source ? positionOf(source, ['steps', index]).line : undefined,
  );
  return { ...entry, status: 'changed', ...diff };
}

const STATUS_ORDER: Readonly<Record<PlanStatus, number>> = { added: 0, changed: 1, moved: 2, removed: 3, unchanged: 4 };

function byStatusThenFile(a: PlanEntry, b: PlanEntry): number {
  return STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);
}
