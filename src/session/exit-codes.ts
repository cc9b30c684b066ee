/** Exit codes of SPEC 4. */
export const EXIT = {
  ok: 0,
  terminatedEarly: 1,
  invalid: 2,
  /** A bug (EX_SOFTWARE). */
  internal: 70,
  /** A report, the audit or stdout could not be written (EX_IOERR). */
  output: 74,
  sigint: 130,
  sigterm: 143,
} as const;

/** A mistake in how cxchain was called: printed without a stack, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
