import { basename } from 'node:path';
import { watch } from 'chokidar';

export interface ChainFileWatcherOptions {
  /** Absolute files and directories to watch; a file given here is watched whatever its name. */
  roots: readonly string[];
  /** Quiet time after a file's last change before `onChange`, ms (SPEC 7: ~100). */
  debounceMs: number;
  /** A chain file was added or changed, then left alone for `debounceMs`. Absolute path. */
  onChange: (path: string) => void;
  /** A chain file disappeared. Absolute path. */
  onRemove: (path: string) => void;
  onError: (error: Error) => void;
}

export interface ChainFileWatcher {
  /** Stops watching and drops changes still waiting out their debounce. */
  close(): Promise<void>;
}

const CHAIN_FILE = /\.ya?ml$/i;

/**
 * Watches chain files with chokidar and turns bursts of events into one change per file.
 * `atomic` makes an editor's save-by-rename (or delete-then-write) one `change`; chokidar has no
 * globs any more, so files and folders are filtered by `ignored` the way discovery filters them:
 * `*.yaml`/`*.yml`, hidden entries and node_modules skipped.
 */
export async function watchChainFiles(options: ChainFileWatcherOptions): Promise<ChainFileWatcher> {
  const roots = new Set(options.roots);
  const isChainFile = (path: string) => roots.has(path) || CHAIN_FILE.test(basename(path));
  const timers = new Map<string, NodeJS.Timeout>();
  let closed = false;

  const watcher = watch([...roots], {
    ignoreInitial: true,
    atomic: true,
    ignored: (path, stats) => {
      if (roots.has(path)) return false;
      const name = basename(path);
      if (name.startsWith('.') || name === 'node_modules') return true;
      // Without stats chokidar may be asking about a folder: let it through, events are filtered below.
      return stats?.isFile() === true && !CHAIN_FILE.test(name);
    },
  });

  const changed = (path: string) => {
    if (closed || !isChainFile(path)) return;
    clearTimeout(timers.get(path));
    timers.set(
      path,
      setTimeout(() => {
        timers.delete(path);
        if (!closed) options.onChange(path);
      }, options.debounceMs),
    );
  };
  watcher.on('add', changed).on('change', changed);
  watcher.on('unlink', (path) => {
    if (closed || !isChainFile(path)) return;
    clearTimeout(timers.get(path));
    timers.delete(path);
    options.onRemove(path);
  });
  // Without a listener an 'error' event would throw and end the process.
  watcher.on('error', (error) => {
    if (!closed) options.onError(error instanceof Error ? error : new Error(String(error)));
  });
  await new Promise<void>((ready) => watcher.once('ready', ready));

  return {
    async close() {
      closed = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await watcher.close();
    },
  };
}
