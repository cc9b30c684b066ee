import type { Condition, ConditionNode } from './condition-ast.js';
import {
  NEEDS_BOOLEAN,
  checkOperands,
  describeValue,
  typeMessage,
  valueTypeOf,
  type Culprit,
} from './condition-rules.js';
import type { Reference } from './expression.js';
import { readOwnPath } from './own-path.js';

/** What a condition reads at run time. */
export interface ConditionScope {
  /**
   * Reads a path of SPEC 3.2's roots; `undefined` means it does not resolve (a step that was
   * skipped or failed, a field the answer lacks), which a condition reads as null (SPEC 3.5).
   */
  read(ref: Reference): unknown;
  /**
   * The step's own output, which `output…` reads in `expect:`, by own properties only (so
   * `output.constructor` is a key of the answer or nothing). Absent: no `output…` resolves.
   */
  output?: unknown;
}

/** A path or function call the evaluation read, with its value, for a message such as an expectation's. */
export interface ObservedValue {
  /** The path or call as written, e.g. `output.eligible` or `length(output.offers)`. */
  text: string;
  /** The value as read (null for a path that does not resolve); not redacted: the caller redacts. */
  value: unknown;
  /** Present for a path that does not resolve, so a message can say so rather than show null. */
  unresolved?: true;
}

/**
 * The outcome of one evaluation. `ok: false` is a type error only the values could show (the
 * step fails with kind `invalid_expression`); its message names the sub-expression and what it got.
 */
export type ConditionOutcome =
  { ok: true; value: boolean; observed: ObservedValue[] } | { ok: false; message: string; observed: ObservedValue[] };

/**
 * Evaluates a compiled condition (SPEC 3.5). `&&` and `||` stop at the first operand that
 * decides them, so `steps.p.status == 'success' && steps.p.output.n > 3` never compares the
 * output of a step that did not succeed. Each path and call is observed once, in the order read.
 */
export function evaluateCondition(condition: Condition, scope: ConditionScope): ConditionOutcome {
  const evaluator = new Evaluator(scope);
  try {
    const value = evaluator.boolean(condition.root, condition.root, NEEDS_BOOLEAN.condition);
    return { ok: true, value, observed: evaluator.observed };
  } catch (error) {
    if (!(error instanceof ConditionTypeError)) throw error;
    return { ok: false, message: error.message, observed: evaluator.observed };
  }
}

class ConditionTypeError extends Error {}

class Evaluator {
  readonly observed: ObservedValue[] = [];
  private readonly seen = new Set<string>();
  private readonly unresolved = new Set<ConditionNode>();

  constructor(private readonly scope: ConditionScope) {}

  /** The value of `operand`, which `node` needs to be true or false. Recursion is bounded by MAX_CONDITION_NESTING. */
  boolean(node: ConditionNode, operand: ConditionNode, need: string): boolean {
    const value = this.value(operand);
    if (typeof value === 'boolean') return value;
    throw new ConditionTypeError(typeMessage(node, need, [this.culprit(operand, value)]));
  }

  private value(node: ConditionNode): unknown {
    switch (node.kind) {
      case 'literal':
        return node.value;
      case 'path':
        return this.path(node);
      case 'not':
        return !this.boolean(node, node.operand, NEEDS_BOOLEAN['!']);
      case 'and':
      case 'or': {
        // `&&` stops at the first false, `||` at the first true.
        const decisive = node.kind === 'or';
        const need = NEEDS_BOOLEAN[node.kind === 'and' ? '&&' : '||'];
        for (const operand of node.operands) if (this.boolean(node, operand, need) === decisive) return decisive;
        return !decisive;
      }
      case 'compare': {
        const left = this.value(node.left);
        const right = this.value(node.right);
        if (node.operator === '==') return deepEqual(left, right);
        if (node.operator === '!=') return !deepEqual(left, right);
        this.checkTypes(node, [node.left, node.right], [left, right]);
        const [l, r] = [left as number | string, right as number | string];
        return { '<': l < r, '<=': l <= r, '>': l > r, '>=': l >= r }[node.operator];
      }
      case 'call': {
        const args = node.args.map((arg) => this.value(arg));
        this.checkTypes(node, node.args, args);
        const result = call(node.name, args);
        this.observe(node, result);
        return result;
      }
    }
  }

  private path(node: Extract<ConditionNode, { kind: 'path' }>): unknown {
    const { ref } = node;
    let value: unknown;
    if (ref.root !== 'output') value = this.scope.read(ref);
    else {
      const read = readOwnPath(this.scope.output, ref.path);
      value = read.found ? read.value : undefined;
    }
    // A path that does not resolve is null (SPEC 3.5), and so is anything that is not JSON data.
    if (value === undefined) this.unresolved.add(node);
    if (valueTypeOf(value) === 'null') value = null;
    this.observe(node, value);
    return value;
  }

  private observe(node: ConditionNode, value: unknown): void {
    if (this.seen.has(node.text)) return;
    this.seen.add(node.text);
    this.observed.push(
      this.unresolved.has(node) ? { text: node.text, value, unresolved: true } : { text: node.text, value },
    );
  }

  private checkTypes(
    node: Extract<ConditionNode, { kind: 'compare' | 'call' }>,
    operands: readonly ConditionNode[],
    values: readonly unknown[],
  ): void {
    const violation = checkOperands(node.kind === 'call' ? node.name : node.operator, values.map(valueTypeOf));
    if (!violation) return;
    const culprits = violation.blame.map((i) => this.culprit(operands[i] as ConditionNode, values[i]));
    throw new ConditionTypeError(typeMessage(node, violation.need, culprits));
  }

  private culprit(node: ConditionNode, value: unknown): Culprit {
    return this.unresolved.has(node)
      ? { node, got: describeValue(value), unresolved: true }
      : { node, got: describeValue(value) };
  }
}

/** A function applied to arguments whose types `checkOperands` accepted. */
function call(name: Extract<ConditionNode, { kind: 'call' }>['name'], args: readonly unknown[]): boolean | number {
  const [a, b] = args;
  switch (name) {
    case 'contains':
      return typeof a === 'string' ? a.includes(b as string) : (a as unknown[]).some((item) => deepEqual(item, b));
    case 'starts_with':
      return (a as string).startsWith(b as string);
    case 'ends_with':
      return (a as string).endsWith(b as string);
    case 'length':
      // Characters as a person counts them: code points, so an emoji is one.
      if (typeof a === 'string') return [...a].length;
      return Array.isArray(a) ? a.length : Object.keys(a as object).length;
  }
}

/**
 * Deep equality of JSON data: same type, and lists item by item, mappings key by key (own keys,
 * any order). Iterative, because a server's answer may nest deeper than the stack.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  const pending: [unknown, unknown][] = [[a, b]];
  for (let pair = pending.pop(); pair; pair = pending.pop()) {
    const [x, y] = pair;
    if (x === y) continue;
    const type = valueTypeOf(x);
    if (type !== valueTypeOf(y)) return false;
    if (type === 'list') {
      const [xs, ys] = [x as unknown[], y as unknown[]];
      if (xs.length !== ys.length) return false;
      for (let i = 0; i < xs.length; i++) pending.push([xs[i], ys[i]]);
    } else if (type === 'map') {
      const [xm, ym] = [x as Record<string, unknown>, y as Record<string, unknown>];
      const keys = Object.keys(xm);
      if (keys.length !== Object.keys(ym).length) return false;
      for (const key of keys) {
        if (!Object.hasOwn(ym, key)) return false;
        pending.push([xm[key], ym[key]]);
      }
    } else if (type !== 'null') return false;
  }
  return true;
}
