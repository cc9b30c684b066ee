import { dirname, resolve } from 'node:path';
import { compareDiagnostics, type Diagnostic } from './diagnostics.js';
import { discoverChainFiles, type DiscoverOptions } from './discover.js';
import { createChainLoader, diskReader, type ChainReader, type FileResult, type LoadResult } from './loader.js';
import type { ChainModel } from './model.js';
import { parseChainText, type ParsedFile } from './source.js';

export type { FileResult, LoadResult } from './loader.js';

export interface LoadOptions extends DiscoverOptions {
  /**
   * Keep each chain's parsed YAML (`ChainModel.source`) for positions of any node. Default true;
   * a run needs only the step positions already in the model, and a large repository runs in
   * less memory without the syntax trees.
   */
  keepSource?: boolean;
}

/** Discovers, parses and validates chain files and the chains they use: SPEC 3.1 and 3.3, every problem at once. */
export async function loadChains(paths: readonly string[], options: LoadOptions = {}): Promise<LoadResult> {
  const discovered = await discoverChainFiles(paths, options);
  const cwd = options.cwd ?? process.cwd();
  const loader = createChainLoader({
    cwd,
    roots: givenRoots(paths, cwd),
    ...(options.keepSource === undefined ? {} : { keepSource: options.keepSource }),
  });
  const loaded = loader.load(discovered.files);
  return { ...loaded, diagnostics: [...discovered.diagnostics, ...loaded.diagnostics].sort(compareDiagnostics) };
}

/**
 * The folders given on the command line, which bound `uses:` outside a git work tree (SPEC 3.3);
 * for a file, its folder.
 */
export function givenRoots(paths: readonly string[], cwd: string): string[] {
  return (paths.length ? paths : ['chains']).map((p) => {
    const abs = resolve(cwd, p);
    return /\.ya?ml$/i.test(abs) ? dirname(abs) : abs;
  });
}

/** What `validate` and `list` keep of a valid chain. */
export interface ChainSummary {
  chainId: string;
  file: string;
  line: number;
  column: number;
  revision?: number;
  steps: number;
  description?: string;
  /** `call_only: true`: listed and validated, never run on its own (SPEC 3.3). */
  callOnly: boolean;
}

export interface ValidateResult {
  files: string[];
  chains: ChainSummary[];
  /** The errors, as in `LoadResult`. */
  diagnostics: Diagnostic[];
  /** The warnings, as in `LoadResult`. */
  warnings: Diagnostic[];
  /** As in `LoadResult`: every file that loaded as a valid chain, children included. */
  validFiles?: string[];
}

/**
 * Like `loadChains` but keeps only summaries, so a repository of thousands of chains validates
 * without holding every parsed document in memory.
 */
export async function validateFiles(paths: readonly string[], options: DiscoverOptions = {}): Promise<ValidateResult> {
  const loaded = await loadChains(paths, { ...options, keepSource: false });
  return { ...loaded, chains: loaded.chains.map(summarizeChain) };
}

export function summarizeChain(chain: ChainModel): ChainSummary {
  const summary: ChainSummary = {
    chainId: chain.chainId,
    file: chain.file,
    line: chain.line,
    column: chain.column,
    steps: chain.steps.length,
    callOnly: chain.callOnly,
  };
  if (chain.revision !== undefined) summary.revision = chain.revision;
  if (chain.description !== undefined) summary.description = chain.description;
  return summary;
}

/** A reader that serves `texts` by name, and the disk for any other file. */
export function memoryReader(texts: ReadonlyMap<string, string>, cwd: string): ChainReader {
  const disk = diskReader(cwd);
  return {
    read: (file) => {
      const text = texts.get(resolve(cwd, file));
      return text === undefined ? disk.read(file) : parseChainText(file, text);
    },
  };
}

/** Validates chains already in memory (tests, the library): `{ file, text }` pairs. */
export function validateChains(sources: readonly { file: string; text: string }[], cwd = process.cwd()): LoadResult {
  const texts = new Map(sources.map(({ file, text }) => [resolve(cwd, file), text]));
  const loader = createChainLoader({ cwd, reader: memoryReader(texts, cwd) });
  return loader.load(sources.map((s) => s.file));
}

/** Validates one parsed file, with the chains it uses read from the disk. */
export function validateParsed(file: string, parsed: ParsedFile, cwd = process.cwd()): FileResult {
  const disk = diskReader(cwd);
  const target = resolve(cwd, file);
  const loader = createChainLoader({
    cwd,
    reader: { ...disk, read: (f) => (resolve(cwd, f) === target ? parsed : disk.read(f)) },
  });
  const result = loader.load([file]);
  const own = (d: Diagnostic) => d.file === file;
  const fileResult: FileResult = {
    file,
    diagnostics: result.diagnostics.filter(own),
    warnings: result.warnings.filter(own),
  };
  const [chain] = result.chains;
  if (chain) fileResult.chain = chain;
  return fileResult;
}
