/** Replacement for a secret in any output. */
export const REDACTED = '***';

/** Secrets shorter than this are not searched for: they would mangle ordinary text. */
export const MIN_SECRET_LENGTH = 8;

export interface Redactor {
  /** Adds values to hide from now on (a token obtained mid-run, a `secrets.*` value read). */
  add(...values: readonly (string | undefined)[]): void;
  /** The text with every known secret replaced, in every spelling it may have taken on the way. */
  text(value: string): string;
  /** A copy of a value with every string in it redacted: redact data before it is serialised. */
  value<T>(value: T): T;
  /** JSON of the value, redacted. */
  json(value: unknown, space?: number): string;
}

/**
 * The spellings a secret takes on its way into output: as is; JSON-escaped once and twice (a
 * server message quoting our JSON body, itself inside JSON); URL- and form-encoded (a token
 * endpoint echoing the form it got); XML-escaped (JUnit). Redacting data before serialising
 * catches the rest; this catches what arrives already serialised inside a server's answer.
 */
function spellings(secret: string): string[] {
  const json1 = JSON.stringify(secret).slice(1, -1);
  const json2 = JSON.stringify(json1).slice(1, -1);
  const url = encodeURIComponent(secret);
  const form = new URLSearchParams({ s: secret }).toString().slice(2);
  const xml = secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  // Longest first, so a longer spelling is not left half-replaced by a shorter one inside it.
  return [...new Set([secret, json1, json2, url, form, xml, url.toLowerCase()])].sort((a, b) => b.length - a.length);
}

/**
 * One chokepoint for every byte cxchain prints or writes (SPEC 5, 6): stdout, stderr, reports and
 * the audit all pass through it. Secrets that appear during the run (access tokens) are `add`ed.
 */
export function createRedactor(initial: readonly (string | undefined)[] = []): Redactor {
  const known = new Set<string>();
  let patterns: string[] = [];
  const add = (...values: readonly (string | undefined)[]) => {
    let changed = false;
    for (const value of values) {
      if (value === undefined || value.length < MIN_SECRET_LENGTH || known.has(value)) continue;
      known.add(value);
      changed = true;
    }
    if (changed) patterns = [...new Set([...known].flatMap(spellings))].sort((a, b) => b.length - a.length);
  };
  add(...initial);
  const text = (value: string) => {
    let out = value;
    for (const secret of patterns) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  };
  const deep = (value: unknown): unknown => {
    if (typeof value === 'string') return text(value);
    if (Array.isArray(value)) return value.map(deep);
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [text(k), deep(v)]));
    return value;
  };
  return {
    add,
    text,
    value: <T>(value: T) => deep(value) as T,
    // Redacting the data, not the JSON text, keeps the JSON valid whatever the secret looks like
    // (a secret `200` must not eat into a status code) and catches every escaped spelling.
    json: (value, space) => JSON.stringify(deep(value), null, space),
  };
}
