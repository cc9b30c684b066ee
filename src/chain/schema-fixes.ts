import { isStep, type SchemaNode } from './schema-steps.js';
import { listOf } from './suggest.js';

export type { SchemaNode } from './schema-steps.js';

/**
 * What to write instead, for a value the schema refused: "write `true` or `false`", "use one of
 * `abort`, `continue` or `fallback`", "write a whole number of seconds from 5 to 120". The
 * schema's `description` says what a key means, which a person who got it wrong already read in
 * the editor; the fix says what to type. `key` is the key holding the value, for its unit.
 */
export function valueFix(node: SchemaNode, key: string | undefined, got?: unknown): string | undefined {
  if (node.enum) return `use one of ${listOf(node.enum)}`;
  const types = typesOf(node);
  let fix: string | undefined;
  if (types.length > 1)
    fix = `write ${listOf(
      types.map((t) => (t === 'boolean' ? '`true`/`false`' : typeWords(t))),
      '',
    )}`;
  else if (types[0] === 'boolean') fix = 'write `true` or `false`';
  else if (types[0] === 'integer' || types[0] === 'number') {
    const unit = unitOf(key);
    fix = `write ${types[0] === 'integer' ? 'a whole number' : 'a number'}${unit ? ` of ${unit}` : ''}${rangeOf(node)}`;
  } else if (types[0] === 'string' && key === 'uses') {
    return usesFix(got, node.pattern);
  } else if (types[0] === 'string') {
    fix = (key !== undefined ? PATTERN_FIXES.get(key) : undefined) ?? 'write text';
    // YAML reads `5` and `true` as a number and a boolean; quotes keep them text.
    if (typeof got === 'number' || typeof got === 'boolean') fix += `, in quotes: "${String(got)}"`;
  } else if (types[0] === 'object')
    fix = `write a mapping: \`${key ?? 'key'}:\` followed by indented \`name: value\` lines, or \`{ name: value }\``;
  else if (types[0] === 'array') fix = 'write a list: one `- item` line per item, or `[a, b]`';
  if (fix && typeof got === 'string' && /^[-+]?\d+(\.\d+)?$|^(true|false)$/.test(got) && !types.includes('string'))
    fix += `, without quotes: \`${got}\``;
  return fix;
}

/**
 * The types a value may have: the node's `type`, or for an `anyOf` of bare types (how a value of
 * several types is written under ajv's strict mode) the types of its branches; else none.
 */
export function typesOf(node: SchemaNode): string[] {
  if (node.type !== undefined) return Array.isArray(node.type) ? node.type : [node.type];
  const branches = node.anyOf ?? [];
  const types = branches.flatMap((b) => (typeof b.type === 'string' && Object.keys(b).length === 1 ? [b.type] : []));
  return branches.length > 0 && types.length === branches.length ? types : [];
}

/**
 * `valueFix` for the value at `path` of the document: for a condition (a step's `if:`, an item of
 * its `expect:`) how a condition reads, since "write text" would not help.
 */
export function valueFixAt(node: SchemaNode, path: readonly (string | number)[], got: unknown): string | undefined {
  const last = path.at(-1);
  if (last === 'if' && isStep(path.slice(0, -1))) return conditionFix(false);
  if (typeof last === 'number' && path.at(-2) === 'expect' && isStep(path.slice(0, -2))) return conditionFix(true);
  return valueFix(node, typeof last === 'string' ? last : undefined, got);
}

/** How to write a key the schema requires, with an example where one helps. */
export function requiredFix(missing: string, inStep: boolean): string {
  switch (missing) {
    case 'version':
      return 'add `version: 1` at the top of the file';
    case 'chain_id':
      return 'add `chain_id:` with an id unique across the repository, e.g. `chain_id: cust-data-sync-001`';
    case 'steps':
      return 'add `steps:` with a list of steps, each with an `action_id`, e.g. `steps: [{ action_id: da-fetch-customer-profile }]`';
    case 'action_id':
      return inStep
        ? "add `action_id:` with the Data Action's id, exactly as CXone shows it"
        : "add `action_id:` with the fallback Data Action's id";
    default:
      return `add \`${missing}:\``;
  }
}

/**
 * How to write a chain step's `uses:` (SPEC 3.3); `pattern` is the schema's, so the path it
 * suggests (`crm.yaml` → `./crm.yaml`) is one the schema takes.
 */
function usesFix(got: unknown, pattern: string | undefined): string {
  const rule = 'a path relative to this file, starting with `./` or `../` and ending in `.yaml` or `.yml`';
  const guess = typeof got === 'string' && !got.startsWith('.') ? `./${got}` : undefined;
  if (guess !== undefined && pattern !== undefined && new RegExp(pattern, 'u').test(guess))
    return `write \`${guess}\`: \`uses\` takes ${rule}`;
  return `write ${rule}, e.g. \`./lib/crm-sync.yaml\``;
}

/**
 * How to write an `if:` or an `expect:` item (SPEC 3.5): one expression whose result is a
 * boolean. `expect` says whether the value is an expectation (where `output` is the step's own).
 */
function conditionFix(expect: boolean): string {
  return expect
    ? 'write a condition the answer must meet, e.g. `${{ output.eligible == true }}`'
    : "write one condition, e.g. `${{ steps.profile.status == 'success' }}`, or `true`/`false`";
}

/** What a pattern allows, in words, for the keys whose text has a shape. */
const PATTERN_FIXES = new Map([
  ['chain_id', 'use letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most 128 characters'],
  ['id', 'use letters, digits, `_` and `-`, starting with a letter, digit or `_`, at most 128 characters'],
  ['action_id', "use the Data Action's id exactly as CXone shows it: no spaces, `/`, `?` or `#`, and not `.` or `..`"],
]);

function typeWords(type: string): string {
  switch (type) {
    case 'string':
      return 'text';
    case 'number':
      return 'a number';
    case 'integer':
      return 'a whole number';
    case 'boolean':
      return '`true` or `false`';
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    default:
      return type;
  }
}

function unitOf(key: string | undefined): string | undefined {
  if (key?.endsWith('_seconds')) return 'seconds';
  if (key?.endsWith('_ms')) return 'milliseconds';
  return undefined;
}

function rangeOf(node: SchemaNode): string {
  if (node.minimum !== undefined && node.maximum !== undefined) return ` from ${node.minimum} to ${node.maximum}`;
  if (node.minimum !== undefined) return ` of at least ${node.minimum}`;
  if (node.maximum !== undefined) return ` of at most ${node.maximum}`;
  return '';
}
