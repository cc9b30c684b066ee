import { STATUS_CODES } from 'node:http';
import { compileBody, type TemplateScope } from './template.js';
import type { SimActionSpec } from './types.js';
import { validateSimAction } from './validate-actions.js';

type AnswerSpec = Omit<SimActionSpec, 'sequence'>;

/** One answer with everything that does not depend on the request worked out in advance. */
export interface Answer {
  status: number;
  latencyMs: number;
  /** `send` answers; `hang` never does; `reset` drops the connection. */
  kind: 'send' | 'hang' | 'reset';
  /** Lower-cased names, Content-Length excluded. */
  headers: Record<string, string>;
  /** The body for one request; static bodies are serialized once and shared. */
  body(scope: TemplateScope, contextId: string): Buffer | string;
}

export interface CompiledAction {
  sequence: Answer[];
  /** Serves every call after the sequence is used up. */
  answer: Answer;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';
const EMPTY = Buffer.alloc(0);

/** Validates and compiles an action; throws an Error listing every problem of the spec. */
export function compileAction(id: string, spec: SimActionSpec): CompiledAction {
  const problems = validateSimAction(id, spec);
  if (problems.length > 0)
    throw new Error(`Invalid simulator action:\n${problems.map((p) => `  ${p.message}`).join('\n')}`);
  return { sequence: (spec.sequence ?? []).map(compileAnswer), answer: compileAnswer(spec) };
}

/** The answer for the `call`-th call (1-based) of an action. */
export function answerFor(action: CompiledAction, call: number): Answer {
  return action.sequence[call - 1] ?? action.answer;
}

/** The JSON error shape CXone answers with; also used for the simulator's own errors. */
export function errorBody(status: number, contextId: string, message = reasonPhrase(status)): string {
  return JSON.stringify({ message, code: errorCode(status), status, contextId });
}

/** 'Too Many Requests' → 'TooManyRequests', as CXone names its error codes. */
export function errorCode(status: number): string {
  return reasonPhrase(status)
    .replace(/[^A-Za-z0-9 ]/g, '')
    .replace(/(?:^|\s+)(\w)/g, (_, c: string) => c.toUpperCase());
}

function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? `HTTP ${status}`;
}

function compileAnswer(spec: AnswerSpec): Answer {
  const status = spec.status ?? 200;
  const { body, contentType } = compileAnswerBody(spec, status);
  const headers: Record<string, string> = {};
  const type = spec.content_type ?? contentType;
  if (type) headers['content-type'] = type;
  if (spec.retry_after !== undefined) headers['retry-after'] = String(spec.retry_after);
  for (const [name, value] of Object.entries(spec.headers ?? {})) headers[name.toLowerCase()] = String(value);
  const kind = spec.hang ? 'hang' : spec.reset ? 'reset' : 'send';
  return { status, latencyMs: spec.latency_ms ?? 0, kind, headers, body };
}

function compileAnswerBody(spec: AnswerSpec, status: number): { body: Answer['body']; contentType?: string } {
  if (spec.raw !== undefined) {
    const raw = Buffer.from(spec.raw);
    return { body: () => raw, contentType: TEXT_TYPE };
  }
  if (spec.body_bytes !== undefined) {
    // A JSON string of exactly the requested size, built once: a big answer costs nothing per call.
    const big = Buffer.alloc(spec.body_bytes, 'x');
    big[0] = 0x22;
    big[big.length - 1] = 0x22;
    return { body: () => big, contentType: JSON_TYPE };
  }
  if (spec.body !== undefined) {
    const render = compileBody(spec.body);
    if (render) return { body: (scope) => JSON.stringify(render(scope)), contentType: JSON_TYPE };
    const fixed = Buffer.from(JSON.stringify(spec.body));
    return { body: () => fixed, contentType: JSON_TYPE };
  }
  if (status >= 400) return { body: (_scope, contextId) => errorBody(status, contextId), contentType: JSON_TYPE };
  return { body: () => EMPTY };
}
