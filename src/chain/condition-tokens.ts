import type { ConditionProblem } from './condition-ast.js';
import { clip } from './condition-rules.js';
import { scanPath, type ScannedPath } from './expression.js';

/** The operators and punctuation of the condition language (SPEC 3.5), longest first. */
const PUNCTUATION = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', ','] as const;
export type Punctuation = (typeof PUNCTUATION)[number];

interface Span {
  /** Index in the original YAML string. */
  offset: number;
  length: number;
}

/** One token; offsets are indices in the original YAML string, wrapper included. */
export type Token = Span &
  (
    | { type: 'punct'; value: Punctuation }
    | { type: 'string'; value: string }
    | { type: 'number'; value: number }
    /** A root name and its segments as written; `bad` when a segment after them is malformed. */
    | { type: 'word'; text: string; scanned: ScannedPath; bad: boolean }
    | { type: 'open' | 'close' }
    /** The end of the expression: the end of the value, or the `}}` that closes `${{`. */
    | { type: 'end' }
  );

/** A problem that stops parsing; thrown inside the parser and caught once at its entry. */
export class ConditionSyntaxError extends Error {
  constructor(readonly problem: ConditionProblem) {
    super(problem.message);
  }
}

export function syntaxError(message: string, offset: number, length: number, hint?: string): ConditionSyntaxError {
  return new ConditionSyntaxError({ code: 'expr.syntax', message, offset, length, ...(hint ? { hint } : {}) });
}

const NUMBER_LIKE = /-?[0-9][0-9A-Za-z_.]*/y;
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/;
/** What ends a malformed path, so the whole of it is quoted in the message. */
const PATH_END = /[\s()!=<>&|,}]/;

/**
 * Splits `text` into tokens from `start`. With `stopAtClose`, the first `}}` outside a string ends
 * the expression (`${{ … }}` form) and is returned as the `end` token; otherwise tokens run to the
 * end of the text and `${{` / `}}` are tokens of their own, for the parser to refuse.
 */
export function tokenize(text: string, start: number, stopAtClose: boolean): Token[] {
  const tokens: Token[] = [];
  let pos = start;
  for (;;) {
    while (pos < text.length && /\s/.test(text[pos] ?? '')) pos++;
    if (pos >= text.length) {
      tokens.push({ type: 'end', offset: pos, length: 0 });
      return tokens;
    }
    if (text.startsWith('}}', pos)) {
      if (stopAtClose) {
        tokens.push({ type: 'end', offset: pos, length: 2 });
        return tokens;
      }
      tokens.push({ type: 'close', offset: pos, length: 2 });
      pos += 2;
      continue;
    }
    if (text.startsWith('${{', pos)) {
      tokens.push({ type: 'open', offset: pos, length: 3 });
      pos += 3;
      continue;
    }
    const token = readToken(text, pos);
    tokens.push(token);
    pos += token.length;
  }
}

function readToken(text: string, pos: number): Token {
  const c = text[pos] ?? '';
  if (c === "'") return readString(text, pos);
  if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(text[pos + 1] ?? ''))) return readNumber(text, pos);
  if (/[A-Za-z_]/.test(c)) return readWord(text, pos);
  const punct = PUNCTUATION.find((p) => text.startsWith(p, pos));
  if (punct) return { type: 'punct', value: punct, offset: pos, length: punct.length };
  throw syntaxError(unexpectedCharacter(c, text[pos + 1]), pos, 1);
}

function unexpectedCharacter(c: string, next: string | undefined): string {
  switch (c) {
    case '"':
      return "strings are written in single quotes, e.g. `'premium'` (a quote inside one is doubled: `'it''s'`)";
    case '=':
      return '`=` alone is not an operator; compare with `==`';
    case '&':
      return '`&` alone is not an operator; write `&&`';
    case '|':
      return '`|` alone is not an operator; write `||`';
    case '-':
    case '+':
    case '*':
    case '/':
    case '%':
      return `\`${c}\`: a condition has no arithmetic; it compares values (a negative number is written \`-3\`)`;
    case '.':
      return /[0-9]/.test(next ?? '') ? 'a number starts with a digit: `0.5`, not `.5`' : 'unexpected `.`';
    default: {
      const code = c.codePointAt(0) ?? 0;
      const shown = code < 0x20 || code === 0x7f ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}` : `\`${c}\``;
      return `unexpected character ${shown}; a condition is made of 'strings', numbers, true, false, null, paths, == != < <= > >=, && || !, parentheses and the functions contains, starts_with, ends_with and length`;
    }
  }
}

function readString(text: string, pos: number): Token {
  let value = '';
  let from = pos + 1;
  for (;;) {
    const quote = text.indexOf("'", from);
    if (quote === -1)
      throw syntaxError(
        "this string is not closed with `'`",
        pos,
        1,
        "a quote inside a string is written twice: `'it''s'`",
      );
    value += text.slice(from, quote);
    if (text[quote + 1] !== "'") return { type: 'string', value, offset: pos, length: quote + 1 - pos };
    value += "'";
    from = quote + 2;
  }
}

function readNumber(text: string, pos: number): Token {
  NUMBER_LIKE.lastIndex = pos;
  const written = NUMBER_LIKE.exec(text)?.[0] ?? '';
  if (!NUMBER.test(written))
    throw syntaxError(
      `\`${clip(written)}\` is not a number; numbers are written like \`0\`, \`12\`, \`-3\` or \`1.5\``,
      pos,
      written.length,
    );
  const value = Number(written);
  if (!written.includes('.') && !Number.isSafeInteger(value))
    throw syntaxError(
      `\`${written}\` is too large to compare exactly; integers go up to ${Number.MAX_SAFE_INTEGER} either side of 0`,
      pos,
      written.length,
    );
  return { type: 'number', value, offset: pos, length: written.length };
}

function readWord(text: string, pos: number): Token {
  const scanned = scanPath(text, pos) ?? { root: '', path: [], end: pos + 1 };
  let end = scanned.end;
  const bad = text[end] === '.' || text[end] === '[';
  if (bad) while (end < text.length && !PATH_END.test(text[end] ?? '')) end++;
  return { type: 'word', text: text.slice(pos, end), scanned, bad, offset: pos, length: end - pos };
}
