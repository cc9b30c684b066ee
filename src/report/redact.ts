import { mapStrings } from './map-strings.js';

/** Replacement for a secret in any output. */
export const REDACTED = '***';

/**
 * Secrets shorter than this are not searched for: replacing every `admin` or `1234` would mangle
 * ordinary text, and a short secret is guessable anyway (SPEC 6: a warning names the variable).
 */
export const MIN_SECRET_LENGTH = 8;

/**
 * Whether `value` is a secret too short to redact, so the caller can warn and name its variable.
 * Counts characters (code points), not UTF-16 units; blanks alone are too short at any length. An
 * empty value hides nothing: not too short.
 */
export function isTooShortToRedact(value: string): boolean {
  // A secret of blanks alone would match all ordinary spacing, whatever its length.
  return value.length > 0 && ([...value].length < MIN_SECRET_LENGTH || value.trim() === '');
}

export interface Redactor {
  /**
   * Adds values to hide from now on (a token obtained mid-run, a `secrets.*` value read). Values
   * shorter than `MIN_SECRET_LENGTH` are accepted and ignored (see `isTooShortToRedact`).
   */
  add(...values: readonly (string | undefined)[]): void;
  /**
   * The text with every known secret replaced, in every spelling it may have taken on the way,
   * and the password of any `scheme://user:password@host` replaced, known or not. Called per
   * printed line: a line with no secret in it costs one regular-expression search.
   */
  text(value: string): string;
  /** A copy of a value with every string and key in it redacted; any depth, no recursion. */
  value<T>(value: T): T;
  /**
   * JSON of the value, redacted. `JSON.stringify` itself recurses, so callers hand in data already
   * limited in depth (the CXone client refuses answers nested deeper than 1,000 levels).
   */
  json(value: unknown, space?: number): string;
}

/**
 * One chokepoint for every byte cxchain prints or writes (SPEC 5, 6): stdout, stderr, reports and
 * the audit all pass through it. Secrets that appear during the run (access tokens) are `add`ed.
 */
export function createRedactor(initial: readonly (string | undefined)[] = []): Redactor {
  const known = new Set<string>();
  let spelled: RegExp | undefined;
  const add = (...values: readonly (string | undefined)[]) => {
    let changed = false;
    for (const value of values) {
      if (value === undefined) continue;
      // A secret pasted with a trailing newline or blanks around it comes back without them from
      // any server that trims what it quotes: the trimmed value is a spelling of its own.
      for (const variant of new Set([value, value.trim()])) {
        if (variant === '' || isTooShortToRedact(variant) || known.has(variant)) continue;
        known.add(variant);
        changed = true;
      }
    }
    if (!changed) return;
    // Longest first: at any position the alternation takes the first spelling that matches.
    const all = [...new Set([...known].flatMap(spellings))].sort((a, b) => b.length - a.length);
    // One search for every spelling of every secret: a clean line costs one scan, not one per spelling.
    spelled = new RegExp(all.map(escapeRegExp).join('|'), 'g');
  };
  add(...initial);
  const text = (value: string): string => {
    let out = spelled === undefined ? value : cover(value, spelled);
    if (out.includes('@')) out = out.replace(URL_PASSWORD, `$1${REDACTED}@`);
    return out;
  };
  return {
    add,
    text,
    value: <T>(value: T) => mapStrings(value, text),
    // Redacting the data, not the JSON text, keeps the JSON valid whatever the secret looks like
    // (a secret `20000000` must not eat into a number) and catches every escaped spelling.
    json: (value, space) => JSON.stringify(mapStrings(value, text), null, space),
  };
}

/**
 * Replaces every stretch covered by some spelling. Matches are found at every position, not only
 * after the previous one ends, so two secrets that overlap in the text are both hidden whole.
 */
function cover(value: string, spelled: RegExp): string {
  const parts: string[] = [];
  let kept = 0;
  let start = -1;
  let end = -1;
  spelled.lastIndex = 0;
  for (let m = spelled.exec(value); m !== null; m = spelled.exec(value)) {
    const at = m.index;
    const to = at + m[0].length;
    if (at < end) end = Math.max(end, to);
    else {
      if (start >= 0) {
        parts.push(value.slice(kept, start), REDACTED);
        kept = end;
      }
      start = at;
      end = to;
    }
    // From the next position, not the match's end, so a match that starts inside this one is seen.
    spelled.lastIndex = at + 1;
  }
  if (start < 0) return value;
  parts.push(value.slice(kept, start), REDACTED, value.slice(end));
  return parts.join('');
}

/**
 * `scheme://user:password@host`: the password up to the last `@` of the authority. The look-behind
 * starts a scheme only where a run of scheme characters starts, which keeps the search linear.
 */
const URL_PASSWORD = /(?<![a-z\d+.-])([a-z][a-z\d+.-]*:(?:\/\/|\\\/\\\/)[^\s/\\?#@"'<>`:]*:)[^\s/\\?#"'<>`]+@/gi;

/**
 * The spellings a secret takes on its way into output (SPEC 6): as is; JSON-escaped once and twice
 * (a server message quoting our JSON body, itself inside JSON), also the way other JSON writers
 * escape; URL- and form-encoded, of the secret and of its JSON-escaped form (a token endpoint
 * echoing the form it got); XML-escaped; base64, whole or inside a longer blob. Redacting data
 * before serialising catches the rest; this catches what arrives already serialised in an answer.
 */
function spellings(secret: string): string[] {
  const json = jsonEscapes(secret);
  const standard = json[0] as string;
  const sources = [...new Set([secret, standard])];
  return [
    secret,
    ...json,
    ...json.map((escaped) => JSON.stringify(escaped).slice(1, -1)),
    ...sources.flatMap(urlEncodings),
    ...sources.flatMap(xmlEscapes),
    ...sources.flatMap(base64Spellings),
  ];
}

/** `JSON.stringify`'s escaping first, then what PHP (`\/`, `\u00e9`) and .NET (`\u0022`, `\u002B`) write. */
function jsonEscapes(secret: string): string[] {
  const standard = JSON.stringify(secret).slice(1, -1);
  const slashed = standard.replace(/\//g, '\\/');
  const out = [standard, slashed];
  for (const upper of [false, true]) {
    const unicode = (c: string) => unicodeEscape(c === '\\"' ? '"' : c, upper);
    // `[^ -~]`: beyond printable ASCII; the controls below it are already escaped by JSON.stringify.
    for (const base of [standard, slashed]) out.push(base.replace(/[^ -~]/g, unicode));
    out.push(standard.replace(/\\"|[<>&'+`]|[^ -~]/g, unicode));
  }
  return [...new Set(out)];
}

function unicodeEscape(c: string, upper: boolean): string {
  const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
  return `\\u${upper ? hex.toUpperCase() : hex}`;
}

function urlEncodings(text: string): string[] {
  const component = encodeURIComponent(text);
  const strict = component.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const form = new URLSearchParams({ s: text }).toString().slice(2);
  const encoded = [component, strict, form, form.replace(/\+/g, '%20'), encodeURI(text)];
  return encoded.flatMap((e) => [e, e.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase())]);
}

function xmlEscapes(text: string): string[] {
  const base = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const out: string[] = [];
  for (const quot of ['"', '&quot;', '&#34;'])
    for (const apos of ["'", '&apos;', '&#39;']) out.push(base.replace(/"/g, quot).replace(/'/g, apos));
  return out;
}

/**
 * Base64 and base64url, padded or not, of the secret alone; and the characters of a longer blob
 * that only the secret's bytes decide, for each of the three alignments it can start at (HTTP
 * Basic's `client_id:secret`, a token claim, `{"secret":"…"}` encoded whole). For k filler bytes
 * before the secret, character i is decided by bits [6i, 6i+6), the secret's are [8k, 8k+8n).
 */
function base64Spellings(text: string): string[] {
  const bytes = Buffer.from(text, 'utf8');
  const whole = bytes.toString('base64');
  const out = [whole, whole.replace(/=+$/, '')];
  for (let k = 0; k < 3; k++) {
    const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    out.push(encoded.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6)));
  }
  return [...out, ...out.map((b) => b.replace(/\+/g, '-').replace(/\//g, '_'))];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
