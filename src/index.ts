// The library (SPEC 4): the same pieces the CLI is built from.
export * from './chain/index.js';
export * from './engine/index.js';
export * from './cxone/index.js';
export {
  createSimulator,
  loadSimActions,
  parseRateLimit,
  type Simulator,
  type SimulatorOptions,
  type SimActions,
  type SimActionSpec,
} from './sim/index.js';
export { createRedactor, isTooShortToRedact, MIN_SECRET_LENGTH, REDACTED, type Redactor } from './report/redact.js';
export { neutralize, neutralizeValue } from './report/neutralize.js';
export { formatJunit } from './report/junit.js';
export { stepLocatorOf, type StepLocator } from './report/step-locator.js';
export {
  openRunSession,
  EXIT,
  type RunOutcome,
  type RunSession,
  type RunSessionOptions,
  type SessionRunOptions,
} from './session/index.js';
export type { RunSink } from './report/sink.js';
// The host's shapes the signatures above name, so the published types need no @types/node.
export type { AbortSignalLike, Environment, HostAbortSignal, HostBytes, SystemError } from './host.js';
