/** Exit codes of SPEC 4. */
export const EXIT = {
  ok: 0,
  terminatedEarly: 1,
  invalid: 2,
  sigint: 130,
  sigterm: 143,
} as const;

/** A mistake in how cxchain was called: printed without a stack, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
