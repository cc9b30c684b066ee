import type { ErrorObject } from 'ajv';
import validateSchema from './generated/validate-schema.js';
import { diagnostic, type Diagnostic, type DiagnosticCode } from './diagnostics.js';
import { positionOf, type ChainSource, type DocPath } from './source.js';
import { requiredFix, typesOf, valueFix, valueFixAt, type SchemaNode } from './schema-fixes.js';
import { FALLBACK_KINDS, fallbackNeither, fallbackRefused, isFallback } from './schema-fallback.js';
import { allowedKeys, bothKinds, declaredKinds, isStep, KIND_KEY, neitherKind, notAllowed } from './schema-steps.js';
import { closest, listOf } from './suggest.js';

/** The JSON Schema layer of SPEC 3.1: every ajv error as a positioned diagnostic. */
export function validateAgainstSchema(data: unknown, source: ChainSource): Diagnostic[] {
  if (validateSchema(data)) return [];
  const errors = dropFallbackKindNoise(dropStepKindNoise(dropBranchNoise(validateSchema.errors ?? []), data), data);
  const renamed = misspeltRequired(errors);
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    // `step:` for `steps:` is one mistake: the unknown key says so, the missing `steps` would repeat it.
    if (
      error.keyword === 'required' &&
      alternatives(error).some((k) => renamed.has(requiredKey(error.instancePath, k)))
    )
      continue;
    const d = toDiagnostic(error, source, renamed, data);
    const key = `${d.line}:${d.column}:${d.code}:${d.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(d);
    }
  }
  return out;
}

/** `instancePath` + missing key of each required key that an unknown key beside it is a near miss of. */
function misspeltRequired(errors: readonly ErrorObject[]): Set<string> {
  const missing = new Set(
    errors
      .filter((e) => e.keyword === 'required')
      .flatMap((e) => alternatives(e).map((k) => requiredKey(e.instancePath, k))),
  );
  const renamed = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== 'additionalProperties') continue;
    const allowed = allowedKeys((e.parentSchema ?? {}) as SchemaNode, e.data);
    const guess = closest(String(e.params.additionalProperty), allowed);
    const key = guess === undefined ? undefined : requiredKey(e.instancePath, guess);
    if (key !== undefined && missing.has(key)) renamed.add(key);
  }
  return renamed;
}

/**
 * The keys a `required` error is missing: a step without `action_id` could as well be missing
 * `uses`, and a fallback without it `output` (`fallback: { ouput: … }` is a slip of `output`).
 */
function alternatives(error: ErrorObject): string[] {
  const missing = String(error.params.missingProperty);
  const path = parsePointer(error.instancePath);
  if (missing === KIND_KEY.action && isStep(path)) return Object.values(KIND_KEY);
  if (missing === KIND_KEY.action && isFallback(path)) return [...FALLBACK_KINDS];
  return [missing];
}

function requiredKey(instancePath: string, name: unknown): string {
  return `${instancePath}\u0000${String(name)}`;
}

/**
 * A failed `oneOf`/`anyOf`/`propertyNames` explains itself; the errors of its branches only
 * confuse. A failed `if` is the reverse: its `then`/`else` errors say what is wrong, "must match
 * the `then` schema" does not.
 */
function dropBranchNoise(errors: readonly ErrorObject[]): ErrorObject[] {
  const parents = errors
    .filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'propertyNames')
    .map((e) => e.schemaPath);
  // A name checked through a `$ref` has a schema path outside `propertyNames`; ajv marks it with the name instead.
  const namesChecked = new Set(errors.filter((e) => e.keyword === 'propertyNames').map((e) => e.instancePath));
  return errors.filter(
    (e) =>
      e.keyword !== 'if' &&
      !parents.some((p) => e.schemaPath !== p && e.schemaPath.startsWith(`${p}/`)) &&
      !(e.propertyName !== undefined && namesChecked.has(e.instancePath)),
  );
}

/**
 * A key refused by the kind of its step (`false` in a branch) is one problem per key, except
 * where the kind itself is the mistake: a step with both `action_id` and `uses` is reported once
 * (at `action_id`, which the chain branch refuses), not again for each action key beside it; a
 * step with neither is its missing `action_id`, whose hint reads a `with:` as a forgotten `uses:`.
 */
function dropStepKindNoise(errors: readonly ErrorObject[], data: unknown): ErrorObject[] {
  return errors.filter((e) => {
    if (e.keyword !== 'false schema') return true;
    const path = parsePointer(e.instancePath);
    if (!isStep(path.slice(0, -1))) return true;
    const kinds = declaredKinds(valueAt(data, path.slice(0, -1))).length;
    return kinds === 1 || (kinds === 2 && path.at(-1) === KIND_KEY.action);
  });
}

/**
 * Likewise for a fallback: one with both `action_id` and `output` is that one problem, not also
 * one for each of its `payload` and `timeout_seconds`, which the static output kind refuses.
 */
function dropFallbackKindNoise(errors: readonly ErrorObject[], data: unknown): ErrorObject[] {
  return errors.filter((e) => {
    if (e.keyword !== 'false schema') return true;
    const path = parsePointer(e.instancePath);
    const fallback = valueAt(data, path.slice(0, -1));
    if (!isFallback(path.slice(0, -1)) || typeof fallback !== 'object' || fallback === null) return true;
    return path.at(-1) === KIND_KEY.action || !Object.hasOwn(fallback, KIND_KEY.action);
  });
}

/** The value at `path` of the document as plain data. */
function valueAt(data: unknown, path: DocPath): unknown {
  let value = data;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function toDiagnostic(
  error: ErrorObject,
  source: ChainSource,
  renamed: ReadonlySet<string>,
  data: unknown,
): Diagnostic {
  const path = parsePointer(error.instancePath);
  const where = describePath(path);
  const last = path.at(-1);
  const key = typeof last === 'string' ? last : undefined;
  const parent = (error.parentSchema ?? {}) as SchemaNode;
  const params = error.params as Record<string, unknown>;
  const at = (p: DocPath, key = false) => positionOf(source, p, key);
  const make = (code: DiagnosticCode, p: DocPath, message: string, hint?: string, key = false) =>
    diagnostic(code, source.file, at(p, key), message, hint);

  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      const inStep = isStep(path);
      if (inStep && missing === KIND_KEY.action) {
        const [message, hint] = neitherKind(where, error.data);
        return make('schema.required', path, message, hint);
      }
      if (isFallback(path) && missing === KIND_KEY.action) {
        const [message, hint] = fallbackNeither(where, error.data);
        return make('schema.fallback_shape', path, message, hint);
      }
      return make(
        'schema.required',
        path,
        `${where === 'the chain' ? 'the chain' : `\`${where}\``} is missing the required key \`${missing}\``,
        requiredFix(missing, inStep),
      );
    }
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      // Only the keys of the step's kind: `paylod` on a chain step is not a slip of `payload`.
      const allowed = allowedKeys(parent, error.data);
      const guess = closest(name, allowed);
      const required = guess !== undefined && renamed.has(requiredKey(error.instancePath, guess));
      const needs =
        isStep(path) && (guess === KIND_KEY.action || guess === KIND_KEY.chain)
          ? 'a step needs `action_id` or `uses`'
          : isFallback(path) && FALLBACK_KINDS.some((k) => k === guess)
            ? 'a fallback needs `action_id` or `output`'
            : `\`${guess}\` is required`;
      const mean = guess ? `; did you mean \`${guess}\`?${required ? ` (${needs})` : ''}` : '';
      return make(
        'schema.unknown_key',
        [...path, name],
        `unknown key \`${name}\` in ${where === 'the chain' ? 'the chain' : `\`${where}\``}${mean}`,
        guess
          ? `rename it to \`${guess}\`; the keys allowed here are ${allowed.join(', ')}`
          : allowed.length
            ? `remove it, or use one of the keys allowed here: ${allowed.join(', ')}`
            : 'remove it',
        true,
      );
    }
    case 'type': {
      const expected = String(params.type).split(',');
      return make(
        'schema.type',
        path,
        `\`${where}\` must be ${expected.map(article).join(' or ')}; got ${describeValue(error.data)}`,
        valueFixAt(parent, path, error.data),
      );
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]) ?? [];
      const guess = typeof error.data === 'string' ? closest(error.data, allowed.map(String)) : undefined;
      return make(
        'schema.enum',
        path,
        `\`${where}\` must be one of ${listOf(allowed)}; got ${describeValue(error.data)}${guess ? `; did you mean \`${guess}\`?` : ''}`,
        guess ? `write \`${guess}\`` : valueFix(parent, key),
      );
    }
    case 'const':
      return make(
        'schema.const',
        path,
        `\`${where}\` must be ${JSON.stringify(params.allowedValue)}; got ${describeValue(error.data)}`,
        where === 'version'
          ? 'only chain format version 1 exists: write `version: 1`'
          : `write ${JSON.stringify(params.allowedValue)}`,
      );
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const range =
        parent.maximum !== undefined
          ? `between ${parent.minimum ?? '-∞'} and ${parent.maximum}`
          : `at least ${parent.minimum}`;
      return make(
        'schema.range',
        path,
        `\`${where}\` is ${String(error.data)}; it must be ${range}`,
        valueFix(parent, key),
      );
    }
    case 'pattern':
      return make(
        'schema.pattern',
        path,
        `\`${where}\` is ${typeof error.data === 'string' ? JSON.stringify(error.data) : describeValue(error.data)}, which is not allowed here`,
        valueFix(parent, key, error.data),
      );
    case 'minItems':
      return make(
        'schema.min_items',
        path,
        `\`${where}\` is empty; it needs at least ${String(params.limit)} item`,
        where === 'steps'
          ? 'add a step with an `action_id`'
          : key === 'expect' && isStep(path.slice(0, -1))
            ? 'list the conditions the answer must meet, one `- ${{ … }}` line each, or remove `expect:`'
            : undefined,
      );
    case 'maxItems':
      return make(
        'schema.max_items',
        path,
        `\`${where}\` has ${Array.isArray(error.data) ? error.data.length : '?'} items; at most ${String(params.limit)} are allowed`,
        where === 'steps' ? 'split long sequences into several chains' : undefined,
      );
    case 'anyOf': {
      // A value that may be of several types (`if:` a condition or a boolean): a type error.
      const expected = typesOf(parent);
      if (expected.length > 0)
        return make(
          'schema.type',
          path,
          `\`${where}\` must be ${expected.map(article).join(' or ')}; got ${describeValue(error.data)}`,
          valueFixAt(parent, path, error.data),
        );
      break;
    }
    case 'false schema': {
      const stepPath = path.slice(0, -1);
      if (isFallback(stepPath)) {
        const [message, hint] = fallbackRefused(String(last), describePath(stepPath));
        const at = key === KIND_KEY.action ? laterKey(source, stepPath, FALLBACK_KINDS) : path;
        return make('schema.fallback_shape', at, message, hint, true);
      }
      const step = valueAt(data, stepPath);
      if (key === KIND_KEY.action && declaredKinds(step).length === 2) {
        const [message, hint] = bothKinds(describePath(stepPath));
        return make('schema.step_kind', laterKey(source, stepPath, Object.values(KIND_KEY)), message, hint, true);
      }
      const [message, hint] = notAllowed(String(last), step, describePath(stepPath));
      return make('schema.not_allowed', path, message, hint, true);
    }
    case 'propertyNames':
      return make(
        'schema.pattern',
        [...path, String(params.propertyName)],
        `\`${String(params.propertyName)}\` is not a valid name in \`${where}\``,
        'names start with a letter or `_` and hold letters, digits, `_` or `-`',
        true,
      );
  }
  return make('schema.invalid', path, `\`${where}\` ${error.message ?? 'is invalid'}`, valueFix(parent, key));
}

/** The path of whichever of `keys` of the mapping at `at` comes last in the file. */
function laterKey(source: ChainSource, at: DocPath, keys: readonly string[]): DocPath {
  const placed = keys.map((k) => ({ path: [...at, k], pos: positionOf(source, [...at, k], true) }));
  placed.sort((a, b) => a.pos.line - b.pos.line || a.pos.column - b.pos.column);
  return placed.at(-1)?.path ?? at;
}

function parsePointer(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** `steps[1].retry.max_attempts`, the way a person reads a path in a chain file. */
export function describePath(path: DocPath): string {
  if (path.length === 0) return 'the chain';
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function article(type: string): string {
  if (type === 'object') return 'a mapping';
  if (type === 'array') return 'a list';
  if (type === 'integer') return 'a whole number';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  return `the ${typeof value} ${String(value)}`;
}
