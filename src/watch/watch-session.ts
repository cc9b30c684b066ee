import { basename, isAbsolute, relative, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { diagnostic, discoverChainFiles, readChainFile, validateParsed, type ChainModel, type Diagnostic } from '../chain/index.js';
import type { ChainResult } from '../engine/index.js';

export type WatchEvent =
  | { type: 'ready'; files: string[]; valid: number; diagnostics: Diagnostic[] }
  | { type: 'invalid'; file: string; diagnostics: Diagnostic[] }
  | { type: 'run_start'; chain: ChainModel }
  | { type: 'run_end'; chain: ChainModel; result: ChainResult; cancelled: boolean }
  | { type: 'deleted'; file: string };

export interface WatchSessionOptions {
  paths: readonly string[];
  cwd: string;
  /** Quiet time after the last change before a file is run, ms. Default 100 (SPEC 7). */
  debounceMs?: number;
  /** Run every valid chain once at start. Default false. */
  runOnStart?: boolean;
  /** Runs one chain; must end soon after `signal` aborts. Supplied by the caller (progress, audit). */
  run: (chain: ChainModel, signal: AbortSignal) => Promise<ChainResult>;
  onEvent: (event: WatchEvent) => void;
}

export interface WatchSession {
  /** Stops watching, cancels the run in flight and waits for it to end. */
  close(): Promise<void>;
}

const CHAIN_FILE = /\.ya?ml$/i;

/**
 * The edit loop of SPEC 7: validate everything, then run one chain each time its file changes.
 * One run at a time; a change to the chain that is running cancels that run and starts it again,
 * a change to another chain queues it.
 */
export async function startWatchSession(options: WatchSessionOptions): Promise<WatchSession> {
  const debounceMs = options.debounceMs ?? 100;
  const display = (abs: string) => {
    const rel = relative(options.cwd, abs);
    return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
  };
  const chainIds = new Map<string, string>();
  const timers = new Map<string, NodeJS.Timeout>();
  const queue: string[] = [];
  let current: { file: string; controller: AbortController; done: Promise<void> } | undefined;
  let closed = false;

  const check = (file: string): { chain?: ChainModel; diagnostics: Diagnostic[] } => {
    const result = validateParsed(file, readChainFile(resolve(options.cwd, file)));
    const chain = result.chain;
    if (chain) {
      const other = [...chainIds].find(([f, id]) => f !== file && id === chain.chainId);
      if (other) {
        return { diagnostics: [diagnostic('chain.duplicate_chain_id', file, { line: chain.line, column: chain.column }, `chain_id \`${chain.chainId}\` is already used by ${other[0]}`, 'chain ids must be unique across the repository: rename one of them')] };
      }
      chainIds.set(file, chain.chainId);
    } else {
      chainIds.delete(file);
    }
    return result;
  };

  const pump = () => {
    if (current || closed) return;
    const file = queue.shift();
    if (!file) return;
    const { chain, diagnostics } = check(file);
    if (!chain) {
      options.onEvent({ type: 'invalid', file, diagnostics });
      pump();
      return;
    }
    const controller = new AbortController();
    options.onEvent({ type: 'run_start', chain });
    const done = options
      .run(chain, controller.signal)
      .then((result) => options.onEvent({ type: 'run_end', chain, result, cancelled: controller.signal.aborted }))
      .finally(() => {
        current = undefined;
        pump();
      });
    current = { file, controller, done };
  };

  const enqueue = (file: string) => {
    if (current?.file === file) current.controller.abort();
    if (!queue.includes(file)) queue.push(file);
    pump();
  };

  const onChange = (absolute: string) => {
    const file = display(absolute);
    clearTimeout(timers.get(file));
    timers.set(
      file,
      setTimeout(() => {
        timers.delete(file);
        enqueue(file);
      }, debounceMs),
    );
  };

  const discovered = await discoverChainFiles(options.paths, { cwd: options.cwd });
  const diagnostics = [...discovered.diagnostics];
  let valid = 0;
  for (const file of discovered.files) {
    const result = check(file);
    diagnostics.push(...result.diagnostics);
    if (result.chain) valid += 1;
  }
  const roots = (options.paths.length ? options.paths : ['chains']).map((p) => resolve(options.cwd, p));
  const watcher: FSWatcher = watch(roots, {
    ignoreInitial: true,
    atomic: true,
    ignored: (path, stats) => {
      if (roots.includes(path)) return false;
      const name = basename(path);
      if (name.startsWith('.') || name === 'node_modules') return true;
      return stats?.isFile() === true && !CHAIN_FILE.test(name);
    },
  });
  watcher.on('add', onChange).on('change', onChange);
  watcher.on('unlink', (absolute) => {
    const file = display(absolute);
    clearTimeout(timers.get(file));
    chainIds.delete(file);
    if (current?.file === file) current.controller.abort();
    options.onEvent({ type: 'deleted', file });
  });
  await new Promise<void>((ready) => watcher.once('ready', ready));
  options.onEvent({ type: 'ready', files: discovered.files, valid, diagnostics });
  if (options.runOnStart) for (const file of discovered.files) if (chainIds.has(file)) enqueue(file);

  return {
    async close() {
      closed = true;
      for (const timer of timers.values()) clearTimeout(timer);
      queue.length = 0;
      current?.controller.abort();
      await Promise.all([watcher.close(), current?.done]);
    },
  };
}
