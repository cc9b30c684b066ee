/** Replacement for a secret in any output. */
export const REDACTED = '***';

/** Secrets shorter than this are not searched for: they would mangle ordinary text. */
const MIN_SECRET_LENGTH = 3;

export interface Redactor {
  /** Adds values to hide from now on (a token obtained mid-run, a `secrets.*` value read). */
  add(...values: readonly (string | undefined)[]): void;
  /** The text with every known secret replaced, raw or JSON-escaped. */
  text(value: string): string;
  /** A JSON line of the value, redacted. */
  json(value: unknown, space?: number): string;
}

/**
 * One chokepoint for every byte cxchain prints or writes (SPEC 5, 6): stdout, stderr, reports and
 * the audit all pass through `text`/`json`. `dynamic` is asked each time, for secrets that appear
 * during the run (access tokens).
 */
export function createRedactor(initial: readonly (string | undefined)[] = [], dynamic?: () => readonly string[]): Redactor {
  const secrets = new Set<string>();
  const add = (...values: readonly (string | undefined)[]) => {
    for (const value of values) {
      if (value === undefined || value.length < MIN_SECRET_LENGTH) continue;
      secrets.add(value);
      // A secret with quotes or backslashes appears escaped inside JSON output.
      const escaped = JSON.stringify(value).slice(1, -1);
      if (escaped !== value) secrets.add(escaped);
    }
  };
  add(...initial);
  const text = (value: string) => {
    if (dynamic) add(...dynamic());
    let out = value;
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  };
  return { add, text, json: (value, space) => text(JSON.stringify(value, null, space)) };
}
