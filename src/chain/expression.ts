import type { DocPath } from './source.js';

/** The roots an expression may start from (SPEC 3.2). */
export const EXPRESSION_ROOTS = ['inputs', 'steps', 'chain', 'run', 'env', 'secrets'] as const;
export type ExpressionRoot = (typeof EXPRESSION_ROOTS)[number];

/** One `${{ … }}` reference, parsed once at load time. */
export interface Reference {
  /** The expression as written, e.g. `${{ steps.profile.output.tier }}`. */
  text: string;
  root: ExpressionRoot;
  /** Segments after the root: `steps.profile.output.tier` → `['profile', 'output', 'tier']`. */
  path: readonly (string | number)[];
}

/**
 * A value with its expressions compiled: resolved per run without re-parsing. Subtrees without
 * expressions stay literals, so resolving a static payload costs nothing.
 */
export type Template =
  | { kind: 'literal'; value: unknown }
  | { kind: 'ref'; ref: Reference }
  | { kind: 'text'; parts: readonly (string | Reference)[] }
  | { kind: 'object'; entries: readonly (readonly [string, Template])[] }
  | { kind: 'array'; items: readonly Template[] };

/** Where a reference sits in the document, for diagnostics. */
export interface LocatedReference {
  ref: Reference;
  docPath: DocPath;
}

export interface ExpressionError {
  message: string;
  docPath: DocPath;
  /** The problem is the key at `docPath`, not its value. */
  key?: boolean;
}

export interface CompiledTemplate {
  template: Template;
  references: LocatedReference[];
  errors: ExpressionError[];
}

const EXPRESSION = /\$\{\{(.*?)\}\}/gs;
const SEGMENT = /^(?:\.([A-Za-z0-9_-]+)|\[(\d+)\]|\["([^"]*)"\]|\['([^']*)'\])/;

/** Compiles every `${{ … }}` inside a YAML value; `docPath` is where the value sits. */
export function compileTemplate(value: unknown, docPath: DocPath): CompiledTemplate {
  const references: LocatedReference[] = [];
  const errors: ExpressionError[] = [];
  const template = compileValue(value, docPath, references, errors);
  return { template, references, errors };
}

function compileValue(value: unknown, docPath: DocPath, refs: LocatedReference[], errors: ExpressionError[]): Template {
  if (typeof value === 'string') return compileString(value, docPath, refs, errors);
  if (Array.isArray(value)) {
    const items = value.map((item, i) => compileValue(item, [...docPath, i], refs, errors));
    return items.every((t) => t.kind === 'literal') ? { kind: 'literal', value } : { kind: 'array', items };
  }
  if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      // Keys are sent as written; an expression there would go out unresolved.
      if (key.includes('${{'))
        errors.push({
          message: `\`${key}\` is a key; expressions are resolved only in values`,
          docPath: [...docPath, key],
          key: true,
        });
    }
    const entries = Object.entries(value).map(([k, v]) => [k, compileValue(v, [...docPath, k], refs, errors)] as const);
    return entries.every(([, t]) => t.kind === 'literal') ? { kind: 'literal', value } : { kind: 'object', entries };
  }
  return { kind: 'literal', value };
}

function compileString(value: string, docPath: DocPath, refs: LocatedReference[], errors: ExpressionError[]): Template {
  if (!value.includes('${{')) return { kind: 'literal', value };
  const parts: (string | Reference)[] = [];
  let last = 0;
  for (const match of value.matchAll(EXPRESSION)) {
    const start = match.index ?? 0;
    if (start > last) parts.push(value.slice(last, start));
    last = start + match[0].length;
    const parsed = parseReference(match[0], match[1] ?? '');
    if (typeof parsed === 'string') {
      errors.push({ message: parsed, docPath });
      parts.push(match[0]);
    } else {
      refs.push({ ref: parsed, docPath });
      parts.push(parsed);
    }
  }
  if (last < value.length) parts.push(value.slice(last));
  const unclosed = value.indexOf('${{', last);
  if (unclosed !== -1)
    errors.push({
      message: `the expression starting at \`${value.slice(unclosed, unclosed + 30)}\` is not closed with \`}}\``,
      docPath,
    });
  const only = parts[0];
  if (parts.length === 1 && only !== undefined && typeof only !== 'string') return { kind: 'ref', ref: only };
  return { kind: 'text', parts };
}

/** Parses the inside of `${{ … }}`; returns a message on a syntax error. */
export function parseReference(text: string, inner: string): Reference | string {
  const body = inner.trim();
  const rootMatch = /^[A-Za-z_][A-Za-z0-9_]*/.exec(body);
  if (!rootMatch)
    return `\`${text}\` is not a path; expressions are paths such as \`inputs.customer_id\` or \`steps.profile.output.tier\``;
  const root = rootMatch[0];
  if (!(EXPRESSION_ROOTS as readonly string[]).includes(root)) {
    return `\`${text}\` starts with \`${root}\`; an expression starts with one of ${EXPRESSION_ROOTS.join(', ')}`;
  }
  const path: (string | number)[] = [];
  let rest = body.slice(root.length);
  while (rest.length > 0) {
    const m = SEGMENT.exec(rest);
    if (!m)
      return `\`${text}\` has an invalid path at \`${rest}\`; use \`.name\` or \`[index]\` segments (no code is evaluated)`;
    path.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (m[3] ?? m[4] ?? '')));
    rest = rest.slice(m[0].length);
  }
  const shapeError = checkShape(root as ExpressionRoot, path, text);
  if (shapeError) return shapeError;
  return { text, root: root as ExpressionRoot, path };
}

function checkShape(root: ExpressionRoot, path: readonly (string | number)[], text: string): string | undefined {
  switch (root) {
    case 'inputs':
    case 'env':
    case 'secrets':
      return typeof path[0] === 'string' ? undefined : `\`${text}\` needs a name: \`${root}.NAME\``;
    case 'chain':
    case 'run':
      return path.length === 1 && path[0] === 'id'
        ? undefined
        : `\`${text}\`: the only field of \`${root}\` is \`${root}.id\``;
    case 'steps':
      if (typeof path[0] !== 'string')
        return `\`${text}\` needs a step id: \`steps.<id>.output\` or \`steps.<id>.status\``;
      if (path[1] === 'output') return undefined;
      if (path[1] === 'status' && path.length === 2) return undefined;
      return `\`${text}\`: after \`steps.${path[0]}\` comes \`.output\` (optionally with a path) or \`.status\``;
  }
}
