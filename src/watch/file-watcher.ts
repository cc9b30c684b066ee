import {
  accessSync,
  constants,
  existsSync,
  statSync,
  watch as watchFolder,
  type FSWatcher as FolderWatcher,
} from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import { watch, type ChokidarOptions, type FSWatcher } from 'chokidar';

/** What happens to a path given to watch, as opposed to the files in it. */
export type RootEvent =
  /** A watched folder was removed; it is watched again as soon as it is created again. */
  | { type: 'gone'; root: string }
  /** A removed folder was created again and is watched again; the chain files in it count as added. */
  | { type: 'back'; root: string }
  /** A watched path is gone and so is `parent`, the folder that held it: nothing can bring it back. */
  | { type: 'lost'; root: string; parent: string };

export interface ChainFileWatcherOptions {
  /** Absolute files and directories to watch; a file given here is watched whatever its name. */
  roots: readonly string[];
  /** Quiet time after a file's last change before `onChange`, ms (SPEC 7: ~100). */
  debounceMs: number;
  /** A chain file was added or changed, then left alone for `debounceMs`. Absolute path. */
  onChange: (path: string) => void;
  /** A chain file disappeared. Absolute path. */
  onRemove: (path: string) => void;
  /** A watched path went away, came back, or is lost for good. */
  onRoot: (event: RootEvent) => void;
  onError: (error: Error) => void;
}

export interface ChainFileWatcher {
  /** Stops watching and drops changes still waiting out their debounce. */
  close(): Promise<void>;
}

const CHAIN_FILE = /\.ya?ml$/i;
/** How often every root is compared with what is watched, for what no event reported, ms. */
const RECHECK_MS = 1000;

/** The inode of the folder at `path`, or undefined when there is none: a folder made again is another one. */
const folderAt = (path: string) => {
  try {
    const info = statSync(path);
    return info.isDirectory() ? info.ino : undefined;
  } catch {
    return undefined; // not there, or not ours to look at: either way nothing to watch there
  }
};

/** The chain files a chokidar watcher knows of: the entries of its tree that are not folders. */
function filesOf(watcher: FSWatcher, isChainFile: (path: string) => boolean): string[] {
  const tree = watcher.getWatched();
  return Object.entries(tree).flatMap(([dir, names]) =>
    names.map((name) => join(dir, name)).filter((path) => !(path in tree) && isChainFile(path)),
  );
}

/**
 * Watches chain files with chokidar and turns bursts of events into one change per file.
 * `atomic` makes an editor's save-by-rename (or delete-then-write) one `change`; chokidar has no
 * globs any more, so files and folders are filtered by `ignored` the way discovery filters them:
 * `*.yaml`/`*.yml`, hidden entries and node_modules skipped.
 *
 * chokidar forgets a watched folder once it is removed and never sees it made again, and does not
 * always report the removal. So each folder root is compared with what is watched whenever the
 * folder holding it changes, and every `RECHECK_MS` (`watchParents`): a root made again gets a
 * chokidar watcher of its own, and a root gone with the folder that held it is lost.
 */
export async function watchChainFiles(options: ChainFileWatcherOptions): Promise<ChainFileWatcher> {
  const roots = [...new Set(options.roots)];
  const isRoot = new Set(roots);
  const isChainFile = (path: string) => isRoot.has(path) || CHAIN_FILE.test(basename(path));
  const timers = new Map<string, NodeJS.Timeout>();
  /** Chain files seen and not removed since: a removed folder takes them all with it. */
  const known = new Set<string>();
  /** Each folder root's chokidar watcher and the folder it watches; undefined while it is gone. */
  const folders = new Map<string, { inode: number; watcher: FSWatcher } | undefined>();
  const lost = new Set<string>();
  let closed = false;

  const settings: ChokidarOptions = {
    atomic: true,
    ignored: (path, stats) => {
      if (isRoot.has(path)) return false;
      const name = basename(path);
      if (name.startsWith('.') || name === 'node_modules') return true;
      // Without stats chokidar may be asking about a folder: let it through, events are filtered below.
      return stats?.isFile() === true && !CHAIN_FILE.test(name);
    },
  };

  const changed = (path: string) => {
    if (closed || !isChainFile(path)) return;
    known.add(path);
    clearTimeout(timers.get(path));
    timers.set(
      path,
      setTimeout(() => {
        timers.delete(path);
        if (!closed) options.onChange(path);
      }, options.debounceMs),
    );
  };
  const unlinked = (path: string) => {
    if (closed || !isChainFile(path)) return;
    known.delete(path);
    clearTimeout(timers.get(path));
    timers.delete(path);
    options.onRemove(path);
  };
  // Without a listener an 'error' event would throw and end the process.
  const failed = (error: unknown) => {
    if (!closed) options.onError(error instanceof Error ? error : new Error(String(error)));
  };
  const follow = (paths: string[], initial: boolean) =>
    watch(paths, { ...settings, ignoreInitial: !initial })
      .on('add', changed)
      .on('change', changed)
      .on('unlink', unlinked)
      // chokidar says nothing of a new file it cannot read: its raw event is the only trace, so
      // such a file is told as an error the session turns into one warning.
      .on('raw', (_event, name, details) => {
        const dir = (details as { watchedPath?: string } | undefined)?.watchedPath;
        if (closed || !dir || typeof name !== 'string' || !CHAIN_FILE.test(name)) return;
        const path = basename(dir) === name ? dir : join(dir, name);
        try {
          accessSync(path, constants.R_OK);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'EACCES' || code === 'EPERM') failed(error);
        }
      })
      .on('unlinkDir', (path) => {
        if (folders.has(path)) reconcile(path);
      })
      .on('error', failed);

  const lose = (root: string) => {
    lost.add(root);
    options.onRoot({ type: 'lost', root, parent: dirname(root) });
  };
  /** Brings what is watched of a folder root in line with what is there now. */
  const reconcile = (root: string) => {
    if (closed || lost.has(root)) return;
    const now = folderAt(root);
    const was = folders.get(root);
    if (was && now === was.inode) return;
    if (was) {
      // Closed at once, before anything watches the path again: chokidar shares one fs.watch per
      // path between its watchers, and this one's is dead.
      void was.watcher.close();
      folders.set(root, undefined);
      for (const file of known) if (file.startsWith(root + sep)) unlinked(file);
    }
    if (now === undefined) {
      if (!existsSync(dirname(root))) lose(root);
      else if (was) options.onRoot({ type: 'gone', root });
      return;
    }
    if (was) options.onRoot({ type: 'gone', root });
    // Not ignoreInitial: what the folder holds was added, even what came before this watcher did.
    folders.set(root, { inode: now, watcher: follow([root], true) });
    options.onRoot({ type: 'back', root });
  };
  /** A folder root is reconciled; a file root only can be lost (chokidar sees it made again). */
  const recheck = (root: string) => {
    if (folders.has(root)) reconcile(root);
    else if (!closed && !lost.has(root) && !existsSync(root) && !existsSync(dirname(root))) lose(root);
  };

  const files: string[] = [];
  for (const root of roots) {
    const inode = folderAt(root);
    if (inode === undefined) files.push(root);
    else folders.set(root, { inode, watcher: follow([root], false) });
  }
  const fileWatcher = files.length ? follow(files, false) : undefined;
  const started = [fileWatcher, ...[...folders.values()].map((f) => f?.watcher)].filter((w) => w !== undefined);
  await Promise.all(started.map((w) => new Promise<void>((ready) => w.once('ready', ready))));
  for (const watcher of started) for (const file of filesOf(watcher, isChainFile)) known.add(file);
  const parents = watchParents(roots, (root) => {
    if (!closed) recheck(root);
  });

  return {
    async close() {
      closed = true;
      parents.close();
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.all([fileWatcher, ...[...folders.values()].map((f) => f?.watcher)].map((w) => w?.close()));
    },
  };
}

/**
 * Calls `check(root)` for the roots in a folder whenever something changes in that folder (its
 * own entries only, with `fs.watch`), and for every root every `RECHECK_MS`: no event comes from
 * a folder that is some process's working directory when it is removed.
 */
function watchParents(roots: readonly string[], check: (root: string) => void): { close(): void } {
  const parents = new Map<string, { roots: string[]; watched?: { inode: number; watcher: FolderWatcher } }>();
  for (const root of roots) {
    const parent = dirname(root);
    if (parent === root) continue;
    const entry = parents.get(parent) ?? { roots: [] };
    entry.roots.push(root);
    parents.set(parent, entry);
  }
  const watchParent = (parent: string) => {
    const entry = parents.get(parent);
    const inode = folderAt(parent);
    if (!entry || entry.watched?.inode === inode) return;
    entry.watched?.watcher.close();
    delete entry.watched;
    if (inode === undefined) return;
    try {
      const watcher = watchFolder(parent, () => changedIn(parent)).on('error', () => changedIn(parent));
      entry.watched = { inode, watcher };
    } catch {
      // The recheck every RECHECK_MS still notices, only later.
    }
  };
  const changedIn = (parent: string) => {
    watchParent(parent); // removed, or removed and made again: its watch went with it
    for (const root of parents.get(parent)?.roots ?? []) check(root);
  };
  for (const parent of parents.keys()) watchParent(parent);
  const rechecks = setInterval(() => {
    for (const parent of parents.keys()) changedIn(parent);
  }, RECHECK_MS).unref();
  return {
    close() {
      clearInterval(rechecks);
      for (const { watched } of parents.values()) watched?.watcher.close();
      parents.clear();
    },
  };
}
