export { createClient, type ClientOptions } from './client.js';
export {
  resolveConnection,
  ConfigError,
  DEFAULT_SCOPE,
  DEFAULT_EXECUTE_PATH,
  type ConnectionFlags,
  type ConnectionSettings,
  type AuthMethod,
  type Grant,
} from './settings.js';
export { hintFor, ANSWER_HINTS } from './hints.js';
export { MAX_JSON_DEPTH } from './answer.js';
export { isRetryable, backoffDelay, retryAfterMs } from './retry.js';
export { MAX_ANSWER_BYTES } from './http.js';
export {
  type DataActionClient,
  type ExecuteRequest,
  type ExecuteResult,
  type StepError,
  type FailureKind,
  type RetryPolicy,
  type AttemptInfo,
  type RequestInfo,
  type RetryInfo,
} from './types.js';
export { createThrottle, type Admission, type RateLimit, type Throttle } from './throttle.js';
