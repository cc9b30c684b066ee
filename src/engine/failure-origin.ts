import type { FailureKind } from '../cxone/index.js';

/**
 * Whose failure it is: the step's own, or the infrastructure's. JUnit writes the first as
 * `<failure>` and the second as `<error>`, so a CI view tells "the chain is wrong" from "the run
 * could not tell" (README, "JUnit").
 */
export type FailureOrigin = 'step' | 'infrastructure';

/**
 * The one classification of every error kind (a `Record`, so a new kind does not compile until it
 * is placed here).
 *
 * - `step`: an answer came and the step judged it — the action answered 4xx/5xx, an `expect:` did not
 *   hold, a reference or an `if:`/`expect:` could not be evaluated on this run's values, a child
 *   chain ended early (its own steps say why).
 * - `infrastructure`: no answer the step could judge — the connection failed, the credentials were
 *   refused, the answer was not a Data Action's, the tenant's rate limit held it off, a per-attempt
 *   or the chain's global deadline passed, or the run was interrupted while the step was in flight.
 */
export const FAILURE_ORIGIN = {
  http: 'step',
  expectation: 'step',
  unresolved_reference: 'step',
  invalid_expression: 'step',
  child_failed: 'step',
  network: 'infrastructure',
  auth: 'infrastructure',
  invalid_response: 'infrastructure',
  rate_limited: 'infrastructure',
  timeout: 'infrastructure',
  global_timeout: 'infrastructure',
  cancelled: 'infrastructure',
} as const satisfies Record<FailureKind, FailureOrigin>;

export function failureOrigin(kind: FailureKind): FailureOrigin {
  return FAILURE_ORIGIN[kind];
}
