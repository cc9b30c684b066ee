import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { compareDiagnostics, diagnostic, isWarning, type Diagnostic, type DiagnosticCode } from './diagnostics.js';
import { checkComposition, type UsesRoot } from './composition.js';
import type { ChildEdge, LoadedFile, SemanticView } from './loaded-file.js';
import type { ChainModel, StepModel } from './model.js';
import { readChainPath } from './read.js';
import { validateAgainstSchema } from './schema-errors.js';
import { compileChain } from './semantics.js';
import { positionOf, type ChainSource, type ParsedFile } from './source.js';

/**
 * Where chain files come from: the disk for `run` and `validate`, the editor's buffer for `watch`,
 * a git blob for `plan`. `file` is the name cxchain shows (relative to the working directory).
 */
export interface ChainReader {
  read(file: string): ParsedFile;
  /**
   * The real path of an absolute path with every symbolic link resolved, undefined when there is
   * nothing there; the path itself when it cannot be resolved for another reason (a loop of links,
   * a folder that cannot be entered), so that reading it says why. Readers without links (memory,
   * git) leave it out.
   */
  realpath?(path: string): string | undefined;
}

export type { LoadedFile, SemanticView } from './loaded-file.js';

export interface ChainLoaderOptions {
  /** Base of relative file names. Default `process.cwd()`. */
  cwd?: string;
  /** Default: the disk. */
  reader?: ChainReader;
  /**
   * Where a file's `uses:` must stay when it is in no git work tree: the folders given on the
   * command line. Default: the working directory.
   */
  roots?: readonly string[];
  /** Keep each chain's parsed YAML (`ChainModel.source`). Default true. */
  keepSource?: boolean;
}

export interface FileResult {
  file: string;
  /** Present when the file and every chain it uses have no error (warnings are allowed). */
  chain?: ChainModel;
  /** The errors; any one of them keeps the file from running. */
  diagnostics: Diagnostic[];
  /** Diagnostics of severity `warning`: printed, but the chain is valid and runs. */
  warnings: Diagnostic[];
}

export interface LoadResult {
  /** Every file looked at, in order: the given ones, then the children they use. */
  files: string[];
  /** The valid chains of the given files, in file order (`call_only` ones included). */
  chains: ChainModel[];
  /** Every error of every file, sorted by file and position. */
  diagnostics: Diagnostic[];
  /** Every warning of every file, sorted by file and position; none of them makes a chain invalid. */
  warnings: Diagnostic[];
  /** Every file that loaded as a valid chain, the children that were not given included. */
  validFiles?: string[];
}

export interface ChainLoader {
  /**
   * Loads `files` as top-level chains with every chain they use (SPEC 3.3), each file read and
   * parsed once however often it is used, and runs the checks across files in one pass: `uses:`
   * paths, `with:`, child outputs, cycles, nesting, the repository root and unique chain ids.
   */
  load(files: readonly string[]): LoadResult;
  /** Forgets what was read of `file`, so the next load reads it again (watch: a save). */
  invalidate(file: string): void;
  /** The file as last read, when it was. */
  loaded(file: string): LoadedFile | undefined;
  /** The files of the last load whose chains use `file`, directly or through other files. */
  callersOf(file: string): string[];
  /** `file` and every file its chain uses, directly or not, as of the last load. */
  filesOf(file: string): string[];
}

/**
 * A mistake two layers see differently is reported once, by the layer that explains it: the
 * stronger code, then the one it replaces at the same position.
 */
const SUPERSEDES: ReadonlyMap<DiagnosticCode, DiagnosticCode> = new Map([
  ['chain.expression_in_action_id', 'schema.pattern'],
  // `if: 5`: "a condition must be a boolean expression" says more than "must be a string or a boolean".
  ['expr.not_boolean', 'schema.type'],
]);

/** The YAML, schema and semantic layers of one file (SPEC 3.1); no other file is looked at. */
export function checkFile(file: string, path: string, parsed: ParsedFile): LoadedFile {
  const { source, data } = parsed;
  if (!source || data === undefined) return { file, path, parsed, own: parsed.diagnostics };
  const schema = validateAgainstSchema(data, source);
  const semantics = compileChain(data, source);
  const own = withoutRepeats([...parsed.diagnostics, ...schema, ...semantics.diagnostics]).sort(compareDiagnostics);
  const semantic: SemanticView = {
    chain: semantics.chain,
    references: semantics.references,
    outputUses: semantics.outputUses,
  };
  const loaded: LoadedFile = { file, path, parsed, own, semantic };
  if (own.some((d) => !isWarning(d))) return loaded;
  loaded.compiled = {
    ...semantic,
    positions: semantics.chain.steps.map((step) => positionOf(source, ['steps', step.index])),
    at: positionOf(source, ['chain_id']),
  };
  return loaded;
}

function withoutRepeats(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const taken = new Set<string>();
  for (const d of diagnostics) {
    const weaker = SUPERSEDES.get(d.code);
    if (weaker) taken.add(`${weaker}@${d.line}:${d.column}`);
  }
  return diagnostics.filter((d) => !taken.has(`${d.code}@${d.line}:${d.column}`));
}

/** The errors of `realpath` that mean no file can be at that path. */
const NOTHING_THERE = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'ERR_INVALID_ARG_VALUE']);

/** The disk, read the way `readChainPath` reads: never blocking on a FIFO, never throwing. */
export function diskReader(cwd: string): ChainReader {
  return {
    read: (file) => readChainPath(resolve(cwd, file), file),
    realpath: (path) => {
      try {
        return realpathSync.native(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // A name too long or a NUL is no file either; any other failure is for the read to explain.
        return code === undefined || NOTHING_THERE.has(code) ? undefined : path;
      }
    },
  };
}

/** `createChainLoader` (SPEC 3.1, 3.3): one loader for `run`, `validate`, `list`, `watch` and `plan`. */
export function createChainLoader(options: ChainLoaderOptions = {}): ChainLoader {
  const cwd = options.cwd ?? process.cwd();
  const reader = options.reader ?? diskReader(cwd);
  const keepSource = options.keepSource ?? true;
  /** A path with its links resolved, compared with other resolved paths only. */
  const real = (abs: string) => reader.realpath?.(abs) ?? abs;
  const roots = (options.roots?.length ? options.roots : [cwd]).map((r) => real(resolve(cwd, r)));
  /** Every file read, by real path. */
  const cache = new Map<string, LoadedFile>();
  const gitRoots = new Map<string, string | null>();

  const display = (abs: string) => {
    const rel = relative(cwd, abs);
    if (rel === '') return '.';
    return !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
  };
  /** How a file is named: as it was read, else relative to `cwd`. */
  const nameOf = (path: string) => cache.get(path)?.file ?? display(path);
  let graph = createGraph([], nameOf);
  const get = (file: string): LoadedFile => {
    const path = real(resolve(cwd, file));
    let entry = cache.get(path);
    if (!entry) {
      entry = checkFile(file, path, reader.read(file));
      cache.set(path, entry);
    }
    return entry;
  };
  /** The file as cached, under whichever name it was read. */
  const known = (file: string) => cache.get(real(resolve(cwd, file))) ?? cache.get(resolve(cwd, file));
  /** The identity of a file: its real path as last read, else as it resolves now. */
  const keyOf = (file: string) => known(file)?.path ?? real(resolve(cwd, file));
  /** The git work tree holding `dir`, found by its `.git`; only the disk has one. */
  const gitRootOf = (dir: string): string | null => {
    if (!reader.realpath) return null;
    const known = gitRoots.get(dir);
    if (known !== undefined) return known;
    const parent = dirname(dir);
    const found = existsSync(join(dir, '.git')) ? dir : parent === dir ? null : gitRootOf(parent);
    gitRoots.set(dir, found);
    return found;
  };
  const rootOf = (path: string): UsesRoot => {
    const git = gitRootOf(dirname(path));
    if (git) return { dir: git, git: true };
    // The widest folder given that holds the file: the same answer however the file was reached.
    const given = roots.filter((r) => path === r || path.startsWith(r + sep)).sort((a, b) => a.length - b.length)[0];
    return { dir: given ?? dirname(path), git: false };
  };

  return {
    load(files) {
      const top = files.map(get);
      const composition = checkComposition(top, {
        get,
        display,
        rootOf,
        realpath: reader.realpath?.bind(reader),
      });
      graph = createGraph(composition.edges, nameOf);
      const models = new Map<LoadedFile, ChainModel | null>();
      const modelOf = (entry: LoadedFile): ChainModel | null => {
        const known = models.get(entry);
        if (known !== undefined) return known;
        models.set(entry, null); // a cycle back here is invalid, and already said
        const model = composition.invalid.has(entry)
          ? null
          : buildModel(entry, composition.childOf, modelOf, keepSource);
        models.set(entry, model);
        return model;
      };
      const results = composition.order.map((entry): FileResult => {
        const all = [...entry.own, ...(composition.diagnostics.get(entry) ?? [])].sort(compareDiagnostics);
        const result: FileResult = {
          file: entry.file,
          diagnostics: all.filter((d) => !isWarning(d)),
          warnings: all.filter(isWarning),
        };
        const model = modelOf(entry);
        if (model) result.chain = model;
        return result;
      });
      const given = new Set(top);
      return collect(
        composition.order.map((e) => e.file),
        results,
        composition.order.map((e) => given.has(e)),
      );
    },
    invalidate(file) {
      // A link may point elsewhere by now: forget the file under its old real path and its new one.
      const entry = known(file);
      if (entry) cache.delete(entry.path);
      cache.delete(real(resolve(cwd, file)));
    },
    loaded(file) {
      return known(file);
    },
    callersOf(file) {
      return reachable(keyOf(file), graph.callers).map(graph.nameOf);
    },
    filesOf(file) {
      const path = keyOf(file);
      return [path, ...reachable(path, graph.children)].map(graph.nameOf);
    },
  };
}

/** The edges of the last load both ways, by real path, and the name each file was shown by. */
function createGraph(edges: readonly ChildEdge[], nameOf: (path: string) => string) {
  const children = new Map<string, string[]>();
  const callers = new Map<string, string[]>();
  const names = new Map<string, string>();
  const push = (map: Map<string, string[]>, from: string, to: string) => {
    const list = map.get(from);
    if (list) list.push(to);
    else map.set(from, [to]);
  };
  for (const { parent, child } of edges) {
    push(children, parent.path, child.path);
    push(callers, child.path, parent.path);
    names.set(parent.path, parent.file);
    names.set(child.path, child.file);
  }
  return { children, callers, nameOf: (path: string) => names.get(path) ?? nameOf(path) };
}

/** The files reached from `start` along `next`, each once, `start` left out. */
function reachable(start: string, next: ReadonlyMap<string, readonly string[]>): string[] {
  const found = new Set<string>([start]);
  const frontier = [start];
  while (frontier.length > 0) {
    const at = frontier.pop() as string;
    for (const to of next.get(at) ?? []) {
      if (found.has(to)) continue;
      found.add(to);
      frontier.push(to);
    }
  }
  found.delete(start);
  return [...found];
}

function buildModel(
  entry: LoadedFile,
  childOf: ReadonlyMap<string, LoadedFile>,
  modelOf: (entry: LoadedFile) => ChainModel | null,
  keepSource: boolean,
): ChainModel | null {
  const compiled = entry.compiled;
  if (!compiled) return null;
  const steps: StepModel[] = [];
  for (const step of compiled.chain.steps) {
    const at = compiled.positions[step.index] ?? compiled.at;
    if (step.kind === 'action') {
      steps.push({ ...step, line: at.line, column: at.column });
      continue;
    }
    const childEntry = childOf.get(`${entry.path}\u0000${step.index}`);
    const child = childEntry && modelOf(childEntry);
    if (!child) return null;
    steps.push({ ...step, child, line: at.line, column: at.column });
  }
  const model: ChainModel = {
    ...compiled.chain,
    file: entry.file,
    steps,
    line: compiled.at.line,
    column: compiled.at.column,
  };
  if (keepSource && entry.parsed.source) model.source = entry.parsed.source as ChainSource;
  return model;
}

/** Keeps the first chain of each `chain_id`; a later file claiming it is `chain.duplicate_chain_id`. */
function collect(files: string[], results: readonly FileResult[], isGiven: readonly boolean[]): LoadResult {
  const diagnostics = results.flatMap((r) => r.diagnostics);
  const warnings = results.flatMap((r) => r.warnings).sort(compareDiagnostics);
  const byId = new Map<string, ChainModel>();
  const chains: ChainModel[] = [];
  const validFiles: string[] = [];
  results.forEach((result, i) => {
    const chain = result.chain;
    if (!chain) return;
    const first = byId.get(chain.chainId);
    if (first) {
      diagnostics.push(
        diagnostic(
          'chain.duplicate_chain_id',
          chain.file,
          { line: chain.line, column: chain.column },
          `chain_id \`${chain.chainId}\` is already used by ${first.file}:${first.line}`,
          'chain ids must be unique across the repository: rename one of them',
        ),
      );
      return;
    }
    byId.set(chain.chainId, chain);
    validFiles.push(chain.file);
    if (isGiven[i]) chains.push(chain);
  });
  return { files, chains, diagnostics: diagnostics.sort(compareDiagnostics), warnings, validFiles };
}
