import type { Scrub } from './errors.js';
import { ANSWER_HINTS, hintFor } from './hints.js';
import type { HttpAnswer } from './http.js';
import type { StepError } from './types.js';

/**
 * Deepest JSON nesting a 2xx answer may have (SPEC 5). Everything downstream (redaction, reports,
 * `JSON.stringify`) then stays far from the call-stack limit, whatever the server sends.
 */
export const MAX_JSON_DEPTH = 1000;

const PREVIEW_CHARS = 80;

/**
 * The data of a 2xx answer: JSON (an empty body is `null`), valid UTF-8, at most `MAX_JSON_DEPTH`
 * levels deep; anything else is an `invalid_response` error. `what` names the request.
 */
export function readAnswerData(
  what: string,
  answer: HttpAnswer,
  scrub: Scrub,
): { ok: true; data: unknown } | { ok: false; error: StepError } {
  const type = answer.headers.get('content-type') ?? 'no content type';
  const refuse = (problem: string, hint: string | undefined): { ok: false; error: StepError } => ({
    ok: false,
    error: {
      kind: 'invalid_response',
      message: `${what}: answered ${answer.status} but ${problem}`,
      httpStatus: answer.status,
      ...(hint !== undefined ? { hint } : {}),
    },
  });
  if (!answer.utf8) return refuse(`the body is not valid UTF-8 (${type})`, ANSWER_HINTS.notUtf8);
  if (answer.text.trim() === '') return { ok: true, data: null };
  if (nestsDeeperThan(answer.text, MAX_JSON_DEPTH))
    return refuse(
      `the JSON answer nests deeper than ${MAX_JSON_DEPTH.toLocaleString('en-US')} levels`,
      ANSWER_HINTS.tooDeep,
    );
  try {
    return { ok: true, data: JSON.parse(answer.text) };
  } catch {
    // Scrubbed before it is cut and folded, so no piece of a secret survives the reshaping (SPEC 6).
    const preview = scrub(answer.text).trim().slice(0, PREVIEW_CHARS).replace(/\s+/g, ' ');
    return refuse(
      `the body is not JSON (${type}): ${JSON.stringify(preview)}`,
      hintFor('invalid_response', answer.status),
    );
  }
}

/**
 * Whether JSON text opens more than `max` arrays or objects inside each other, found by one pass
 * over the text (brackets inside strings do not count) before anything parses it.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--;
  }
  return false;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
