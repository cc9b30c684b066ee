// Watch mode (SPEC 7): chokidar, validation and the run queue; no terminal code.
export {
  startWatchSession,
  resolveWatchOptions,
  type WatchSession,
  type WatchSessionOptions,
  type WatchStart,
} from './watch-session.js';
export { createChainChecker, type ChainChecker, type Checked } from './chain-check.js';
export { watchChainFiles, type ChainFileWatcher, type ChainFileWatcherOptions } from './file-watcher.js';
export type { CancelReason, InputProblems, WatchEvent } from './events.js';
