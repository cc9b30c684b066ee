import { checkTemplates } from './template.js';

/** One problem of an action spec; `path` leads from the actions mapping to the offending node. */
export interface SpecProblem {
  path: Array<string | number>;
  /** Whether `path` ends at a key (an unknown key) rather than a value. */
  atKey: boolean;
  message: string;
}

const ANSWER_KEYS = [
  'status',
  'body',
  'latency_ms',
  'headers',
  'retry_after',
  'hang',
  'reset',
  'raw',
  'content_type',
  'body_bytes',
] as const;
const ACTION_KEYS: readonly string[] = [...ANSWER_KEYS, 'sequence'];

/** setTimeout's ceiling; a longer latency would fire at once. */
const MAX_LATENCY_MS = 2_147_483_647;
const MAX_BODY_BYTES = 512 * 1024 * 1024;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Node throws on header values with control characters; refuse them here rather than mid-answer.
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Every problem of a mapping `id → spec`, in one pass. */
export function validateSimActions(actions: unknown): SpecProblem[] {
  if (!isRecord(actions))
    return [{ path: [], atKey: false, message: `expected a mapping of action id to spec, got ${describe(actions)}` }];
  const problems: SpecProblem[] = [];
  for (const [id, spec] of Object.entries(actions)) problems.push(...validateSimAction(id, spec));
  return problems;
}

/** Every problem of one action spec. */
export function validateSimAction(id: string, spec: unknown): SpecProblem[] {
  const problems: SpecProblem[] = [];
  if (id.trim() === '') problems.push({ path: [id], atKey: true, message: 'an action id must not be empty' });
  checkAnswer(spec, [id], `action "${id}"`, ACTION_KEYS, problems);
  if (!isRecord(spec) || spec.sequence === undefined) return problems;
  if (!Array.isArray(spec.sequence)) {
    problems.push({
      path: [id, 'sequence'],
      atKey: false,
      message: `action "${id}": sequence must be a list of answers, got ${describe(spec.sequence)}`,
    });
    return problems;
  }
  spec.sequence.forEach((entry, index) => {
    checkAnswer(entry, [id, 'sequence', index], `action "${id}", sequence entry ${index + 1}`, ANSWER_KEYS, problems);
  });
  return problems;
}

function checkAnswer(
  spec: unknown,
  path: Array<string | number>,
  where: string,
  allowed: readonly string[],
  problems: SpecProblem[],
): void {
  const add = (key: string | undefined, message: string, atKey = false): void => {
    problems.push({ path: key === undefined ? path : [...path, key], atKey, message: `${where}: ${message}` });
  };
  if (!isRecord(spec)) {
    add(undefined, `expected a mapping of answer keys (${ANSWER_KEYS.join(', ')}), got ${describe(spec)}`);
    return;
  }
  for (const key of Object.keys(spec)) {
    if (allowed.includes(key)) continue;
    if (key === 'sequence') add(key, 'a sequence entry cannot have its own sequence', true);
    else add(key, `unknown key "${key}"${suggest(key, allowed)}; expected one of ${allowed.join(', ')}`, true);
  }
  const { status, latency_ms, headers, retry_after, hang, reset, raw, content_type, body_bytes, body } = spec;
  if (status !== undefined && !(Number.isInteger(status) && Number(status) >= 100 && Number(status) <= 599)) {
    add('status', `status must be an integer from 100 to 599, got ${describe(status)}`);
  }
  if (latency_ms !== undefined && !isNumberIn(latency_ms, 0, MAX_LATENCY_MS)) {
    add(
      'latency_ms',
      `latency_ms must be a number of milliseconds from 0 to ${MAX_LATENCY_MS}, got ${describe(latency_ms)}`,
    );
  }
  if (body_bytes !== undefined && !(Number.isInteger(body_bytes) && isNumberIn(body_bytes, 2, MAX_BODY_BYTES))) {
    add(
      'body_bytes',
      `body_bytes must be a whole number of bytes from 2 to ${MAX_BODY_BYTES}, got ${describe(body_bytes)}`,
    );
  }
  for (const [key, value] of [
    ['hang', hang],
    ['reset', reset],
  ] as const) {
    if (value !== undefined && typeof value !== 'boolean')
      add(key, `${key} must be true or false, got ${describe(value)}`);
  }
  if (raw !== undefined && typeof raw !== 'string') add('raw', `raw must be a string, got ${describe(raw)}`);
  if (
    content_type !== undefined &&
    !(typeof content_type === 'string' && content_type !== '' && HEADER_VALUE.test(content_type))
  ) {
    add('content_type', `content_type must be a non-empty header value, got ${describe(content_type)}`);
  }
  if (
    retry_after !== undefined &&
    !isNumberIn(retry_after, 0, Number.MAX_SAFE_INTEGER) &&
    !(typeof retry_after === 'string' && retry_after !== '' && HEADER_VALUE.test(retry_after))
  ) {
    add(
      'retry_after',
      `retry_after must be a number of seconds (0 or more) or an HTTP date string, got ${describe(retry_after)}`,
    );
  }
  if (headers !== undefined) checkHeaders(headers, (key, message) => add(key, message));
  if (hang === true && reset === true) add('reset', 'hang and reset cannot both be true');
  const bodies = (['body', 'raw', 'body_bytes'] as const).filter((key) => spec[key] !== undefined);
  if (bodies.length > 1) add(bodies[1], `use only one of ${bodies.join(', ')}`);
  for (const message of checkTemplates(body)) add('body', message);
}

function checkHeaders(headers: unknown, add: (key: string, message: string) => void): void {
  if (!isRecord(headers)) {
    add('headers', `headers must be a mapping of header name to value, got ${describe(headers)}`);
    return;
  }
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) add('headers', `header name "${name}" is not a valid HTTP header name`);
    const valid =
      (typeof value === 'string' && HEADER_VALUE.test(value)) || (typeof value === 'number' && Number.isFinite(value));
    if (!valid)
      add('headers', `header "${name}" must be a string or number without line breaks, got ${describe(value)}`);
  }
}

/** A hint for the usual slip: camelCase or dashes where the format wants snake_case. */
function suggest(key: string, allowed: readonly string[]): string {
  const snake = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toLowerCase();
  return snake !== key && allowed.includes(snake) ? ` (did you mean "${snake}"?)` : '';
}

function isNumberIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
