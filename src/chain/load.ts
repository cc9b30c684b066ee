import { closeSync, constants, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { compareDiagnostics, diagnostic, isWarning, type Diagnostic, type DiagnosticCode } from './diagnostics.js';
import { discoverChainFiles, notRegularFile, pathProblem, type DiscoverOptions } from './discover.js';
import { buildModel, type ChainDocument, type ChainModel } from './model.js';
import { validateAgainstSchema } from './schema-errors.js';
import { checkSemantics } from './semantics.js';
import { parseChainText, positionOf, readChainFile, type ParsedFile } from './source.js';

export interface FileResult {
  file: string;
  /** Present when the file has no error (it may have warnings). */
  chain?: ChainModel;
  /** The errors; any one of them keeps the file from running. */
  diagnostics: Diagnostic[];
  /** Diagnostics of severity `warning`: printed, but the chain is valid and runs. */
  warnings: Diagnostic[];
}

export interface LoadResult {
  /** Every file looked at, in order. */
  files: string[];
  /** The valid chains, in file order. */
  chains: ChainModel[];
  /** Every error of every file, sorted by file and position. */
  diagnostics: Diagnostic[];
  /** Every warning of every file, sorted by file and position; none of them makes a chain invalid. */
  warnings: Diagnostic[];
}

export interface LoadOptions extends DiscoverOptions {
  /**
   * Keep each chain's parsed YAML (`ChainModel.source`) for positions of any node. Default true;
   * a run needs only the step positions already in the model, and a large repository runs in
   * less memory without the syntax trees.
   */
  keepSource?: boolean;
}

/** Discovers, parses and validates chain files: all three layers of SPEC 3.1, every problem at once. */
export async function loadChains(paths: readonly string[], options: LoadOptions = {}): Promise<LoadResult> {
  const discovered = await discoverChainFiles(paths, options);
  const cwd = options.cwd ?? process.cwd();
  const results = discovered.files.map((file) => {
    const result = validateParsed(file, readChainPath(resolve(cwd, file), file));
    if (options.keepSource === false && result.chain) delete result.chain.source;
    return result;
  });
  return collect(discovered.files, results, discovered.diagnostics);
}

/**
 * Opens `path` only if it is a regular file. stat comes first, so a FIFO, socket or device is
 * never opened (a FIFO would block the process until a writer came; a device may act on open);
 * the open is non-blocking and checked again with fstat, in case the path changed in between.
 */
function openRegularFile(path: string, file: string): { fd: number } | { problem: Diagnostic } {
  try {
    const before = statSync(path);
    if (!before.isFile()) return { problem: notRegularFile(file, before, 'found') };
    const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0));
    const info = fstatSync(fd);
    if (info.isFile()) return { fd };
    closeSync(fd);
    return { problem: notRegularFile(file, info, 'found') };
  } catch (error) {
    return { problem: pathProblem(file, error as NodeJS.ErrnoException) };
  }
}

/**
 * `readChainFile` for a path that may be anything: a FIFO, socket or device is `path.not_regular`,
 * a file that cannot be opened is `path.not_found` or `path.unreadable`. Never blocks, never throws.
 */
export function readChainPath(path: string, file: string = path): ParsedFile {
  const opened = openRegularFile(path, file);
  if ('problem' in opened) return { diagnostics: [opened.problem] };
  try {
    return readChainFile(opened.fd, file);
  } finally {
    closeSync(opened.fd);
  }
}

/** The bytes of a regular file, read the way `readChainPath` reads (plan compares them with the base). */
export function readRegularFile(path: string, file: string = path): { bytes: Buffer } | { problem: Diagnostic } {
  const opened = openRegularFile(path, file);
  if ('problem' in opened) return opened;
  try {
    return { bytes: readFileSync(opened.fd) };
  } catch (error) {
    return { problem: pathProblem(file, error as NodeJS.ErrnoException) };
  } finally {
    closeSync(opened.fd);
  }
}

/** What `validate` keeps of a valid chain: enough for the cross-file checks, not the parsed document. */
export interface ChainSummary {
  chainId: string;
  file: string;
  line: number;
  column: number;
  revision?: number;
  steps: number;
  description?: string;
}

export interface ValidateResult {
  files: string[];
  chains: ChainSummary[];
  /** The errors, as in `LoadResult`. */
  diagnostics: Diagnostic[];
  /** The warnings, as in `LoadResult`. */
  warnings: Diagnostic[];
}

/**
 * Like `loadChains` but keeps only summaries, so a repository of thousands of chains validates
 * without holding every parsed document in memory.
 */
export async function validateFiles(paths: readonly string[], options: DiscoverOptions = {}): Promise<ValidateResult> {
  const discovered = await discoverChainFiles(paths, options);
  const results = validateFileSummaries(discovered.files, options.cwd);
  return collect(discovered.files, results, discovered.diagnostics);
}

type SummaryResult = { file: string; chain?: ChainSummary; diagnostics: Diagnostic[]; warnings: Diagnostic[] };

/** Validates files one by one, keeping summaries only. */
export function validateFileSummaries(files: readonly string[], cwd: string = process.cwd()): SummaryResult[] {
  return files.map((file) => {
    const { chain, diagnostics, warnings } = validateParsed(file, readChainPath(resolve(cwd, file), file));
    return chain ? { file, chain: summarize(chain), diagnostics, warnings } : { file, diagnostics, warnings };
  });
}

function summarize(chain: ChainModel): ChainSummary {
  const summary: ChainSummary = {
    chainId: chain.chainId,
    file: chain.file,
    line: chain.line,
    column: chain.column,
    steps: chain.steps.length,
  };
  if (chain.revision !== undefined) summary.revision = chain.revision;
  if (chain.description !== undefined) summary.description = chain.description;
  return summary;
}

/** Validates chains already in memory (watch, plan): `{ file, text }` pairs. */
export function validateChains(sources: readonly { file: string; text: string }[]): LoadResult {
  const results = sources.map(({ file, text }) => validateParsed(file, parseChainText(file, text)));
  return collect(
    sources.map((s) => s.file),
    results,
    [],
  );
}

/** Validates one parsed file on its own (no cross-file checks). */
export function validateParsed(file: string, parsed: ParsedFile): FileResult {
  const { source, data } = parsed;
  if (!source || data === undefined) return { file, diagnostics: parsed.diagnostics, warnings: [] };
  const schema = validateAgainstSchema(data, source);
  const semantics = checkSemantics(data, source);
  const all = withoutRepeats([...parsed.diagnostics, ...schema, ...semantics.diagnostics]).sort(compareDiagnostics);
  const diagnostics = all.filter((d) => !isWarning(d));
  const warnings = all.filter(isWarning);
  if (diagnostics.length > 0) return { file, diagnostics, warnings };
  const document = data as ChainDocument;
  const stepPositions = document.steps.map((_, i) => positionOf(source, ['steps', i]));
  const chain = buildModel(document, source, semantics.templates, stepPositions, positionOf(source, ['chain_id']));
  return { file, chain, diagnostics, warnings };
}

/**
 * A mistake two layers see differently is reported once, by the layer that explains it:
 * `${{ … }}` in `action_id` is an expression where none is resolved (semantics), not a character
 * the pattern refuses (schema).
 */
const SUPERSEDES: ReadonlyMap<DiagnosticCode, DiagnosticCode> = new Map([
  ['chain.expression_in_action_id', 'schema.pattern'],
]);

function withoutRepeats(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const taken = new Set<string>();
  for (const d of diagnostics) {
    const weaker = SUPERSEDES.get(d.code);
    if (weaker) taken.add(`${weaker}@${d.line}:${d.column}`);
  }
  return diagnostics.filter((d) => !taken.has(`${d.code}@${d.line}:${d.column}`));
}

function collect<C extends Pick<ChainModel, 'chainId' | 'file' | 'line' | 'column'>>(
  files: string[],
  results: { chain?: C; diagnostics: Diagnostic[]; warnings: Diagnostic[] }[],
  extra: Diagnostic[],
): { files: string[]; chains: C[]; diagnostics: Diagnostic[]; warnings: Diagnostic[] } {
  const diagnostics = [...extra, ...results.flatMap((r) => r.diagnostics)];
  const warnings = results.flatMap((r) => r.warnings).sort(compareDiagnostics);
  const byId = new Map<string, C>();
  const chains: C[] = [];
  for (const result of results) {
    const chain = result.chain;
    if (!chain) continue;
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
      continue;
    }
    byId.set(chain.chainId, chain);
    chains.push(chain);
  }
  return { files, chains, diagnostics: diagnostics.sort(compareDiagnostics), warnings };
}
