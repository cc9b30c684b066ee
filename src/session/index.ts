export {
  openRunSession,
  type RunOutcome,
  type RunProblem,
  type RunSession,
  type RunSessionOptions,
  type SessionRunOptions,
} from './run-session.js';
export { writeReportsOfNoRun, type NoRunReportOptions } from './no-run-reports.js';
export { EXIT, UsageError } from './exit-codes.js';
export type { ConnectionContext, ConnectionOptions } from './connection.js';
