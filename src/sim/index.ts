// The built-in CXone simulator. It shares no code with src/cxone/: it exists to test that client.
export { loadSimActions } from './load-actions.js';
export { parseRateLimit } from './rate-limit.js';
export { createSimulator } from './server.js';
export type {
  RateLimit,
  SimActions,
  SimActionSpec,
  SimRequest,
  Simulator,
  SimulatorOptions,
  SimTokenRequest,
} from './types.js';
