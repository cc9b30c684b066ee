export { startWatchSession, type WatchEvent, type WatchSession, type WatchSessionOptions } from './watch-session.js';
