/** What a body template can read. */
export interface TemplateScope {
  payload: unknown;
  /** 1-based call number of the action since creation/reset. */
  call: number;
}

/** Renders a body for one request; compiled once when an action is set. */
export type RenderBody = (scope: TemplateScope) => unknown;

type Lookup = (scope: TemplateScope) => unknown;

const EXPRESSION = /\$\{\{\s*(.*?)\s*\}\}/g;
const WHOLE_EXPRESSION = /^\$\{\{\s*(.*?)\s*\}\}$/;
const PATH = /^payload((?:\.[^.\s]+)*)$/;

/** The problems of every `${{ … }}` in a body, as person-readable messages. */
export function checkTemplates(body: unknown): string[] {
  const problems: string[] = [];
  walkStrings(body, (text) => {
    for (const match of text.matchAll(EXPRESSION)) {
      const expression = match[1] ?? '';
      if (!compileLookup(expression)) {
        problems.push(`unsupported expression "\${{ ${expression} }}": use payload, payload.some.path or call`);
      }
    }
  });
  return problems;
}

/**
 * Compiles a body once so each request only walks the parts that hold expressions.
 * Returns undefined when the body has no expression (the caller can then serialize it once).
 */
export function compileBody(body: unknown): RenderBody | undefined {
  if (typeof body === 'string') return compileString(body);
  if (Array.isArray(body)) {
    const renders = body.map((item) => compileBody(item));
    if (!renders.some(Boolean)) return undefined;
    return (scope) => renders.map((render, i) => (render ? render(scope) : body[i]));
  }
  if (isRecord(body)) {
    const entries = Object.entries(body).map(([key, value]) => [key, value, compileBody(value)] as const);
    if (!entries.some(([, , render]) => render)) return undefined;
    return (scope) => {
      // No prototype, so a `__proto__` key in a body stays an ordinary key.
      const out = Object.create(null) as Record<string, unknown>;
      for (const [key, value, render] of entries) out[key] = render ? render(scope) : value;
      return out;
    };
  }
  return undefined;
}

function compileString(text: string): RenderBody | undefined {
  if (!text.includes('${{')) return undefined;
  const whole = WHOLE_EXPRESSION.exec(text);
  // A string that is one expression keeps the value's type (a number stays a number).
  if (whole && !whole[1]?.includes('}}')) {
    const lookup = compileLookup(whole[1] ?? '') ?? (() => null);
    return (scope) => lookup(scope) ?? null;
  }
  const parts: Array<string | Lookup> = [];
  let last = 0;
  for (const match of text.matchAll(EXPRESSION)) {
    parts.push(text.slice(last, match.index));
    parts.push(compileLookup(match[1] ?? '') ?? (() => undefined));
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  return (scope) => {
    let out = '';
    for (const part of parts) out += typeof part === 'string' ? part : asText(part(scope));
    return out;
  };
}

function compileLookup(expression: string): Lookup | undefined {
  if (expression === 'call') return (scope) => scope.call;
  const path = PATH.exec(expression);
  if (!path) return undefined;
  const keys = (path[1] ?? '').split('.').slice(1);
  return (scope) => {
    let value: unknown = scope.payload;
    for (const key of keys) {
      // Own properties only, so `payload.constructor` is missing rather than a function.
      if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
      value = (value as Record<string, unknown>)[key];
    }
    return value;
  };
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function walkStrings(value: unknown, visit: (text: string) => void): void {
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) for (const item of value) walkStrings(item, visit);
  else if (isRecord(value)) for (const item of Object.values(value)) walkStrings(item, visit);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
