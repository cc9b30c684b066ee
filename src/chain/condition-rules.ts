import type { ComparisonOperator, ConditionFunction, ConditionNode } from './condition-ast.js';

/**
 * The typing rules of the condition language (SPEC 3.5), in one place for both the load-time
 * check (types only, some unknown) and evaluation (actual values): strictly typed, no truthiness.
 */

/** The type of a value at run time: JSON's. A list is an array; a mapping any other object. */
export type ValueType = 'string' | 'number' | 'boolean' | 'null' | 'list' | 'map';

/** What is known about a value at load time; `unknown` is checked only at run time. */
export type KnownType = ValueType | 'unknown';

/** What a value's type is; anything that is not JSON data (a function, `undefined`) counts as null. */
export function valueTypeOf(value: unknown): ValueType {
  if (Array.isArray(value)) return 'list';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'object':
      return value === null ? 'null' : 'map';
    default:
      return 'null';
  }
}

/** Why operands do not fit an operation: what it needs, and the operands (by index) at fault. */
export interface TypeViolation {
  need: string;
  blame: readonly number[];
}

/** What `!`, `&&`, `||` and a whole condition need: a boolean, with no truthiness. */
export const NEEDS_BOOLEAN = {
  '!': '`!` needs true or false',
  '&&': '`&&` needs true or false on each side',
  '||': '`||` needs true or false on each side',
  condition: 'a condition must be true or false',
} as const;

const known = (t: KnownType): boolean => t !== 'unknown';

/**
 * Checks the operand types of a comparison or a function call. At load time unknown types pass;
 * a violation is reported only when the known types already break the rule.
 */
export function checkOperands(
  operation: ComparisonOperator | ConditionFunction,
  types: readonly KnownType[],
): TypeViolation | undefined {
  const [a = 'unknown', b = 'unknown'] = types;
  const blameWhere = (need: string, ok: (t: KnownType) => boolean): TypeViolation | undefined => {
    const blame = types.flatMap((t, i) => (known(t) && !ok(t) ? [i] : []));
    return blame.length > 0 ? { need, blame } : undefined;
  };
  switch (operation) {
    case '==':
    case '!=':
      // Values of different types are simply not equal (SPEC 3.5).
      return undefined;
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const need = `\`${operation}\` compares two numbers or two strings`;
      return (
        blameWhere(need, (t) => t === 'number' || t === 'string') ??
        (known(a) && known(b) && a !== b ? { need, blame: [0, 1] } : undefined)
      );
    }
    case 'contains':
      if (known(a) && !isIn(a, 'string', 'list')) return { need: '`contains` looks in a string or a list', blame: [0] };
      if (a === 'string' && known(b) && b !== 'string')
        return { need: '`contains` looks for a string in a string', blame: [1] };
      return undefined;
    case 'starts_with':
    case 'ends_with':
      return blameWhere(`\`${operation}\` needs two strings`, (t) => t === 'string');
    case 'length':
      return blameWhere('`length` counts a string, a list or a mapping', (t) => isIn(t, 'string', 'list', 'map'));
  }
}

function isIn(t: KnownType, ...allowed: ValueType[]): boolean {
  return (allowed as KnownType[]).includes(t);
}

/** A type as a message says it at load time: "a number". */
export function describeType(type: KnownType): string {
  return {
    string: 'a string',
    number: 'a number',
    boolean: 'a boolean',
    null: 'null',
    list: 'a list',
    map: 'a mapping',
    unknown: 'a value',
  }[type];
}

/** Strings longer than this are described by their length: part of a secret could not be redacted. */
const MAX_SHOWN_STRING = 60;

/**
 * A run-time value as a message says it: "the number 5", "the string 'gold'", "a list of 3
 * items". Lists and mappings are described by size only, so a message never carries an answer's
 * contents; a long string only by its length.
 */
export function describeValue(value: unknown): string {
  switch (valueTypeOf(value)) {
    case 'string': {
      const s = value as string;
      return s.length <= MAX_SHOWN_STRING
        ? `the string '${s.replaceAll("'", "''")}'`
        : `a string of ${s.length} characters`;
    }
    case 'number':
      return `the number ${String(value)}`;
    case 'boolean':
      return String(value);
    case 'null':
      return 'null';
    case 'list': {
      const n = (value as unknown[]).length;
      return n === 0 ? 'an empty list' : `a list of ${n} item${n === 1 ? '' : 's'}`;
    }
    case 'map': {
      const n = Object.keys(value as object).length;
      return n === 0 ? 'an empty mapping' : `a mapping with ${n} key${n === 1 ? '' : 's'}`;
    }
  }
}

/** One operand a message names: what it was, and the node it came from. */
export interface Culprit {
  node: ConditionNode;
  /** From {@link describeType} or {@link describeValue}. */
  got: string;
  /** The operand is a path that does not resolve, so it was read as null. */
  unresolved?: boolean;
}

/** "`length(output.count)`: `length` counts …; got the number 5 from `output.count`". */
export function typeMessage(node: ConditionNode, need: string, culprits: readonly Culprit[]): string {
  const got = culprits.map(({ node: operand, got: what, unresolved }) =>
    // A literal says itself; so does the whole expression when it is the culprit.
    operand.kind === 'literal' || (operand === node && !unresolved)
      ? what
      : unresolved
        ? `${what} from \`${clip(operand.text)}\`, which does not resolve`
        : `${what} from \`${clip(operand.text)}\``,
  );
  return `\`${clip(node.text)}\`: ${need}; got ${got.join(' and ')}`;
}

/** A piece of a chain's condition, shortened for a message: a chain of 50,000 `&&` is not quoted whole. */
export function clip(text: string): string {
  return text.length <= 80 ? text : `${text.slice(0, 79)}…`;
}
