import type { DiagnosticCode } from './diagnostics.js';
import type { DocPath } from './source.js';

/**
 * The roots an expression may start from (SPEC 3.2). There is no `env`: a pull request edits
 * chains, so a chain that could read the runner's environment could send its client secret or
 * `GITHUB_TOKEN` to any Data Action.
 */
export const EXPRESSION_ROOTS = ['inputs', 'steps', 'chain', 'run', 'vars', 'secrets'] as const;
export type ExpressionRoot = (typeof EXPRESSION_ROOTS)[number];

/** The environment variable each variable root reads (SPEC 3.2): `vars.NAME` is `CXCHAIN_VAR_NAME`. */
export const VARIABLE_PREFIXES = { vars: 'CXCHAIN_VAR_', secrets: 'CXCHAIN_SECRET_' } as const;
export type VariableRoot = keyof typeof VARIABLE_PREFIXES;

/** What may follow the prefix: the portable shape of an environment variable name. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isVariableRoot(root: string): root is VariableRoot {
  return Object.hasOwn(VARIABLE_PREFIXES, root);
}

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

/** The diagnostic codes an expression can be refused with. */
export type ExpressionErrorCode = Extract<
  DiagnosticCode,
  'expr.syntax' | 'chain.env_reference' | 'chain.bad_variable_name'
>;

/** Why one `${{ … }}` is refused. */
export interface ReferenceProblem {
  code: ExpressionErrorCode;
  message: string;
  hint?: string;
}

export interface ExpressionError extends ReferenceProblem {
  docPath: DocPath;
  /** The problem is the key at `docPath`, not its value. */
  key?: boolean;
  /**
   * The expression as written, when the diagnostic points at the expression itself rather than
   * at the value holding it (a value may hold several).
   */
  expression?: string;
}

export interface CompiledTemplate {
  template: Template;
  references: LocatedReference[];
  errors: ExpressionError[];
}

const EXPRESSION = /\$\{\{(.*?)\}\}/gs;
const ROOT_NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const SEGMENT = /\.([A-Za-z0-9_-]+)|\[(\d+)\]|\["([^"]*)"\]|\['([^']*)'\]/y;

/** A root name and the segments that follow it, as read by {@link scanPath}. */
export interface ScannedPath {
  root: string;
  path: (string | number)[];
  /** Index in the text just after the last segment read: where the path stops. */
  end: number;
}

/**
 * Reads a path (a root name, then `.name`, `[index]`, `["x"]` and `['x']` segments) from `text`
 * at `start`, stopping at the first character that cannot continue it. The one home of the
 * segment rule, shared by `${{ … }}` references and conditions (SPEC 3.2, 3.5); whether the root
 * exists and the path has the right shape is {@link parseReference}'s job.
 */
export function scanPath(text: string, start = 0): ScannedPath | undefined {
  ROOT_NAME.lastIndex = start;
  const rootMatch = ROOT_NAME.exec(text);
  if (!rootMatch) return undefined;
  const path: (string | number)[] = [];
  let end = ROOT_NAME.lastIndex;
  for (;;) {
    SEGMENT.lastIndex = end;
    const m = SEGMENT.exec(text);
    if (!m) break;
    path.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (m[3] ?? m[4] ?? '')));
    end = SEGMENT.lastIndex;
  }
  return { root: rootMatch[0], path, end };
}

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
      if (!key.includes('${{')) continue;
      errors.push({
        code: 'expr.syntax',
        message: `\`${key}\` is a key; expressions are resolved only in values`,
        docPath: [...docPath, key],
        key: true,
      });
      // Never resolved there, but an attempt to read the runner's environment is worth its own word.
      for (const match of key.matchAll(EXPRESSION)) {
        const parsed = parseReference(match[0], match[1] ?? '');
        if (isProblem(parsed) && parsed.code === 'chain.env_reference')
          errors.push({ ...parsed, docPath: [...docPath, key], key: true, expression: match[0] });
      }
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
    if (isProblem(parsed)) {
      errors.push({ ...parsed, docPath, expression: match[0] });
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
      code: 'expr.syntax',
      message: `the expression starting at \`${value.slice(unclosed, unclosed + 30)}\` is not closed with \`}}\``,
      docPath,
    });
  const only = parts[0];
  if (parts.length === 1 && only !== undefined && typeof only !== 'string') return { kind: 'ref', ref: only };
  return { kind: 'text', parts };
}

/** Parses the inside of `${{ … }}`; returns the problem when it cannot be run. */
export function parseReference(text: string, inner: string): Reference | ReferenceProblem {
  const body = inner.trim();
  const scanned = scanPath(body);
  if (!scanned)
    return syntax(
      `\`${text}\` is not a path; expressions are paths such as \`inputs.customer_id\` or \`steps.profile.output.tier\``,
    );
  const { root, path } = scanned;
  const rest = body.slice(scanned.end);
  // Before any syntax check: `env` is refused however the rest of it is written.
  if (root === 'env') return envReference(text, path[0]);
  if (!(EXPRESSION_ROOTS as readonly string[]).includes(root))
    return syntax(
      `\`${text}\` starts with \`${root}\`; an expression starts with one of ${EXPRESSION_ROOTS.join(', ')}`,
    );
  if (rest.length > 0)
    return syntax(
      `\`${text}\` has an invalid path at \`${rest}\`; use \`.name\` or \`[index]\` segments (no code is evaluated)`,
    );
  return checkShape(root as ExpressionRoot, path, text) ?? { text, root: root as ExpressionRoot, path };
}

export function isProblem(parsed: Reference | ReferenceProblem): parsed is ReferenceProblem {
  return 'code' in parsed;
}

function syntax(message: string): ReferenceProblem {
  return { code: 'expr.syntax', message };
}

function envReference(text: string, first: string | number | undefined): ReferenceProblem {
  const name = typeof first === 'string' && VARIABLE_NAME.test(first) ? first : 'NAME';
  return {
    code: 'chain.env_reference',
    message: `\`${text}\`: the runner's environment is not reachable from a chain; use \`vars.${name}\` and set ${VARIABLE_PREFIXES.vars}${name}, or for a secret \`secrets.${name}\` and set ${VARIABLE_PREFIXES.secrets}${name}`,
    hint: `a pull request can edit a chain, so a chain must not be able to send the runner's environment (the client secret, GITHUB_TOKEN) anywhere: only ${VARIABLE_PREFIXES.vars}* and ${VARIABLE_PREFIXES.secrets}* variables are read, and secrets are redacted in every output`,
  };
}

function checkShape(
  root: ExpressionRoot,
  path: readonly (string | number)[],
  text: string,
): ReferenceProblem | undefined {
  switch (root) {
    case 'inputs':
      return typeof path[0] === 'string' ? undefined : syntax(`\`${text}\` needs a name: \`${root}.NAME\``);
    case 'vars':
    case 'secrets': {
      const [name] = path;
      if (typeof name !== 'string') return syntax(`\`${text}\` needs a name: \`${root}.NAME\``);
      if (!VARIABLE_NAME.test(name)) {
        const fixed = name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=\d|$)/, '_');
        return {
          code: 'chain.bad_variable_name',
          message: `\`${text}\`: \`${name}\` cannot be part of an environment variable name (${VARIABLE_PREFIXES[root]}${name}); a name is a letter or \`_\` followed by letters, digits or \`_\``,
          hint: `rename it, e.g. \`${root}.${fixed}\` read from ${VARIABLE_PREFIXES[root]}${fixed}`,
        };
      }
      // The value is text: a further segment could never resolve, so say so before anything runs.
      return path.length === 1
        ? undefined
        : syntax(`\`${text}\`: \`${root}.${name}\` is text and has no fields; write \`${root}.${name}\``);
    }
    case 'chain':
    case 'run':
      return path.length === 1 && path[0] === 'id'
        ? undefined
        : syntax(`\`${text}\`: the only field of \`${root}\` is \`${root}.id\``);
    case 'steps':
      if (typeof path[0] !== 'string')
        return syntax(`\`${text}\` needs a step id: \`steps.<id>.output\` or \`steps.<id>.status\``);
      if (path[1] === 'output') return undefined;
      if (path[1] === 'status' && path.length === 2) return undefined;
      return syntax(
        `\`${text}\`: after \`steps.${path[0]}\` comes \`.output\` (optionally with a path) or \`.status\``,
      );
  }
}

/** Every reference in a compiled template, in document order. */
export function referencesOf(template: Template): Reference[] {
  switch (template.kind) {
    case 'literal':
      return [];
    case 'ref':
      return [template.ref];
    case 'text':
      return template.parts.filter((part): part is Reference => typeof part !== 'string');
    case 'object':
      return template.entries.flatMap(([, value]) => referencesOf(value));
    case 'array':
      return template.items.flatMap(referencesOf);
  }
}
