import { mapStrings } from './map-strings.js';

/**
 * Characters that can start a new line or drive a terminal: C0 controls (CR, LF, TAB, NUL, ESC …),
 * DEL, C1 (NEL, CSI …), the Unicode line and paragraph separators, and the bidi embeddings,
 * overrides and isolates that reorder what a reader sees ("Trojan Source").
 */
/* eslint-disable-next-line no-control-regex -- matching control characters is the point */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escape(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.charCodeAt(0);
  return code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Text from a server or a file made safe for a human-readable output (terminal lines, GitHub
 * workflow commands, Markdown): every character of `UNSAFE` becomes a visible escape (`\n`,
 * `\x1b`, `\u0085`), so no answer can start a line `::error …` or send a terminal escape (SPEC 6).
 * Everything else, non-ASCII letters and emoji included, is left as it is; a string with nothing
 * to escape is returned as is. JSON outputs carry the exact data and do not use this.
 */
export function neutralize(text: string): string {
  return UNSAFE.test(text) ? text.replace(UNSAFE_ALL, escape) : text;
}

/** A copy of `value` with every string and key neutralised; any depth, no recursion. */
export function neutralizeValue<T>(value: T): T {
  return mapStrings(value, neutralize);
}
