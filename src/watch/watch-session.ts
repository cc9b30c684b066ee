import { statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { discoverChainFiles, pathProblem, type ChainModel, type Diagnostic } from '../chain/index.js';
import type { ChainResult } from '../engine/index.js';
import { createChainChecker, type Checked } from './chain-check.js';
import type { CancelReason, InputProblems, WatchEvent } from './events.js';
import { watchChainFiles } from './file-watcher.js';

export interface WatchSessionOptions {
  /** Chain files and directories. Default `['chains']`. */
  paths?: readonly string[];
  /** Base for relative paths and for how files are named. Default `process.cwd()`. */
  cwd?: string;
  /** Quiet time after a file's last change before it is validated and run, ms. Default 100 (SPEC 7). */
  debounceMs?: number;
  /** `--input` values by name; each chain gets those it declares. Default none. */
  inputs?: Readonly<Record<string, unknown>>;
  /** Where `vars.*` and `secrets.*` are read: a chain whose variables are not set does not run. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /**
   * Runs one chain; must settle soon after `signal` aborts (the engine's `runChain` does). The
   * caller supplies it, with its progress display and audit.
   */
  run: (chain: ChainModel, options: { inputs: Record<string, unknown>; signal: AbortSignal }) => Promise<ChainResult>;
  /** Everything that happens after start; the session itself prints nothing. */
  onEvent: (event: WatchEvent) => void;
}

type ResolvedOptions = Required<WatchSessionOptions>;

/** Applies the defaults of `WatchSessionOptions`, once. */
export function resolveWatchOptions(options: WatchSessionOptions): ResolvedOptions {
  return {
    paths: options.paths?.length ? options.paths : ['chains'],
    cwd: options.cwd ?? process.cwd(),
    debounceMs: options.debounceMs ?? 100,
    inputs: options.inputs ?? {},
    env: options.env ?? process.env,
    run: options.run,
    onEvent: options.onEvent,
  };
}

/** One diagnostic, as a key: the same problem met through two chains is reported once. */
const keyOf = (d: Diagnostic) => `${d.code}@${d.file}:${d.line}:${d.column}:${d.message}`;

const isFolder = (path: string) => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/** What the first validation found, for the header. */
export interface WatchStart {
  /** Every chain file found, in discovery order. */
  files: string[];
  /**
   * The valid chains (a second file with a chain id already seen is not among them), `call_only`
   * ones included: those are never run on their own.
   */
  chains: ChainModel[];
  /** Problems of the paths and files, as `validate` reports them. */
  diagnostics: Diagnostic[];
  /** Given paths that cannot be watched at all (not there, not a file or folder, unreadable), as given. */
  unusable: string[];
  /** Valid chains that cannot run yet, e.g. a required input not given or a variable not set. */
  needsInputs: InputProblems[];
  /** `--input` names no valid chain declares. */
  unusedInputs: string[];
}

export interface WatchSession {
  readonly start: WatchStart;
  /** Queues every valid chain that can run (`--run-on-start`), `call_only` ones left out; they run one after another. */
  runAll(): void;
  /** Stops watching, cancels the run in flight and waits for it to end (its `run_end` included). */
  close(): Promise<void>;
}

interface Pending {
  chain: ChainModel;
  inputs: Record<string, unknown>;
  /** The saved file it uses that made it run, when its own file did not change. */
  via?: string;
}

interface Running extends Pending {
  controller: AbortController;
  /** The first reason it was cancelled for, if it was. */
  reason?: CancelReason;
  done?: Promise<void>;
}

/**
 * The edit loop of SPEC 7: validate everything, then validate and run one chain each time its
 * file changes. One run at a time, so its live progress has the screen: a change to the running
 * chain cancels that run and starts it again first; a change to another chain queues it. The
 * latest version of a file is what runs; a file that turns invalid or is deleted leaves the queue
 * (and cancels its run).
 *
 * SPEC 3.3: a saved (or deleted) file is checked again with the watched chains that use it, and
 * those run again with it as a top-level chain would; a `call_only` file is checked and reported,
 * never run on its own.
 */
export async function startWatchSession(input: WatchSessionOptions): Promise<WatchSession> {
  const options = resolveWatchOptions(input);
  const { cwd, onEvent } = options;
  const checker = createChainChecker({ cwd, paths: options.paths, inputs: options.inputs, env: options.env });
  const display = (path: string) => {
    const rel = relative(cwd, path);
    return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
  };
  const queue: Pending[] = [];
  const restarts = new Set<string>();
  let current: Running | undefined;
  let closed = false;

  const dequeue = (file: string) => {
    const index = queue.findIndex((p) => p.chain.file === file);
    if (index >= 0) queue.splice(index, 1);
  };
  const cancel = (file: string, reason: CancelReason) => {
    if (current?.chain.file !== file) return;
    current.reason ??= reason;
    current.controller.abort();
  };

  const pump = () => {
    if (current || closed) return;
    const next = queue.shift();
    if (!next) return;
    const running: Running = { ...next, controller: new AbortController() };
    current = running;
    const restart = restarts.delete(next.chain.file);
    onEvent({ type: 'run_start', chain: next.chain, restart, ...(next.via ? { via: next.via } : {}) });
    running.done = options
      .run(next.chain, { inputs: next.inputs, signal: running.controller.signal })
      .then(
        (result) => {
          const cancelled = result.termination_reason === 'cancelled' ? (running.reason ?? 'closed') : null;
          onEvent({ type: 'run_end', chain: next.chain, result, cancelled, queued: queue.length });
        },
        (error: unknown) =>
          onEvent({
            type: 'error',
            file: next.chain.file,
            message: `the run of ${next.chain.chainId} failed: ${error instanceof Error ? error.message : String(error)}`,
          }),
      )
      .finally(() => {
        current = undefined;
        pump();
      });
  };

  /**
   * Queues the file just checked, or says why it cannot run. `via`: the saved file it uses, when
   * that is why it was checked; `shown` keeps the diagnostics this change already reported.
   */
  const settle = (file: string, checked: Exclude<Checked, { kind: 'call_only' }>, shown: Set<string>, via?: string) => {
    if (checked.kind === 'gone') return; // its unlink is on the way
    if (checked.kind !== 'valid' || checked.problems.length > 0) {
      dequeue(file);
      cancel(file, via ? 'child_invalid' : 'invalid');
      if (checked.kind === 'invalid') {
        const fresh = checked.diagnostics.filter((d) => !shown.has(keyOf(d)));
        for (const d of checked.diagnostics) shown.add(keyOf(d));
        onEvent({ type: 'invalid', file, diagnostics: fresh, ...(via ? { because: via } : {}) });
      } else if (checked.kind === 'ignored') onEvent({ type: 'ignored', file, diagnostic: checked.diagnostic });
      else if (checked.kind === 'valid')
        onEvent({ type: 'needs_inputs', chain: checked.chain, problems: checked.problems });
      return;
    }
    const pending: Pending = { chain: checked.chain, inputs: checked.inputs, ...(via ? { via } : {}) };
    const index = queue.findIndex((p) => p.chain.file === file);
    if (current?.chain.file === file) {
      // SPEC 7: a change during a run cancels that run and starts it again, before anything queued.
      cancel(file, via ? 'child_changed' : 'changed');
      restarts.add(file);
      if (index >= 0) queue.splice(index, 1);
      queue.unshift(pending);
    } else if (index >= 0) {
      queue[index] = pending;
    } else {
      queue.push(pending);
      if (current) onEvent({ type: 'queued', chain: checked.chain, behind: current.chain, ...(via ? { via } : {}) });
    }
  };

  /** SPEC 3.3: the watched chains that use `file` are checked again with it, and run again if they can. */
  const recheckCallers = (file: string, callers: readonly string[], shown: Set<string>) => {
    for (const caller of callers) {
      const checked = checker.check(caller);
      // A call_only chain in between runs with the chains that use it, which are callers too.
      if (checked.kind !== 'call_only') settle(caller, checked, shown, file);
    }
  };

  const changed = (path: string) => {
    const file = display(path);
    const checked = checker.check(file);
    if (checked.kind === 'gone') return; // its unlink is on the way
    const callers = checker.callersOf(file);
    const shown = new Set<string>();
    if (checked.kind === 'call_only') {
      // Never run on its own; it may have been a top-level chain until this save.
      dequeue(file);
      cancel(file, 'invalid');
      onEvent({ type: 'call_only', chain: checked.chain, callers });
    } else settle(file, checked, shown);
    recheckCallers(file, callers, shown);
    pump();
  };

  const removed = (path: string) => {
    const file = display(path);
    const callers = checker.callersOf(file);
    checker.forget(file);
    dequeue(file);
    restarts.delete(file);
    cancel(file, 'deleted');
    onEvent({ type: 'deleted', file });
    recheckCallers(file, callers, new Set());
    pump();
  };

  const discovered = await discoverChainFiles(options.paths, { cwd });
  const start: WatchStart = {
    files: discovered.files,
    chains: [],
    diagnostics: [...discovered.diagnostics],
    unusable: discovered.unusable,
    needsInputs: [],
    unusedInputs: [],
  };
  const runnable: Pending[] = [];
  // A chain invalid because of a chain it uses shows that file's problems too: each is said once.
  const said = new Set(start.diagnostics.map(keyOf));
  const say = (d: Diagnostic) => {
    if (said.has(keyOf(d))) return;
    said.add(keyOf(d));
    start.diagnostics.push(d);
  };
  for (const file of discovered.files) {
    const checked = checker.check(file);
    if (checked.kind === 'invalid') checked.diagnostics.forEach(say);
    if (checked.kind === 'ignored') say(checked.diagnostic);
    // A call_only chain is validated and listed, never run on its own (SPEC 3.3).
    if (checked.kind === 'call_only') start.chains.push(checked.chain);
    if (checked.kind !== 'valid') continue;
    start.chains.push(checked.chain);
    if (checked.problems.length) start.needsInputs.push({ chain: checked.chain, problems: checked.problems });
    else runnable.push({ chain: checked.chain, inputs: checked.inputs });
  }
  start.unusedInputs = checker.unusedInputs(start.chains.filter((c) => !c.callOnly));

  // Said once per path: discovery may have said it already, and chokidar says it on every retry.
  const unreadable = new Set(start.diagnostics.filter((d) => d.code === 'path.unreadable').map((d) => d.file));
  const failed = (error: NodeJS.ErrnoException & { path?: string }) => {
    // A symbolic link loop is a path that cannot be read too, not a failure of watching.
    if ((error.code === 'EACCES' || error.code === 'EPERM' || error.code === 'ELOOP') && error.path) {
      const file = display(error.path);
      if (unreadable.has(file)) return;
      unreadable.add(file);
      const folder = isFolder(error.path);
      onEvent({ type: 'ignored', file, diagnostic: pathProblem(file, error, { folder }) });
      return;
    }
    onEvent({ type: 'error', message: `watching failed: ${error.message}` });
  };
  const watcher = await watchChainFiles({
    // A path that cannot be used is not watched: the caller refuses it (the CLI exits 2).
    roots: options.paths.filter((p) => !start.unusable.includes(p)).map((p) => resolve(cwd, p)),
    debounceMs: options.debounceMs,
    onChange: changed,
    onRemove: removed,
    onRoot: (event) => {
      const path = display(event.root);
      if (event.type === 'gone') onEvent({ type: 'folder_removed', path });
      else if (event.type === 'back') onEvent({ type: 'folder_back', path });
      else onEvent({ type: 'lost', path, parent: display(event.parent) });
    },
    onError: failed,
  });

  return {
    start,
    runAll() {
      for (const pending of runnable)
        if (!queue.some((p) => p.chain.file === pending.chain.file) && current?.chain.file !== pending.chain.file)
          queue.push(pending);
      pump();
    },
    async close() {
      if (closed) return;
      closed = true;
      queue.length = 0;
      const running = current;
      if (running) cancel(running.chain.file, 'closed');
      await Promise.all([watcher.close(), running?.done]);
    },
  };
}
