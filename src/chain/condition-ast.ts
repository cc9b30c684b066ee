import type { DiagnosticCode } from './diagnostics.js';
import type { ExpressionRoot, Reference } from './expression.js';

/** The roots a condition may read: those of SPEC 3.2, and `output` (the step's own answer) in `expect:`. */
export type ConditionRoot = ExpressionRoot | 'output';

/** `output…` in an `expect:` condition: the step's own output, read only at run time. */
export interface OutputReference {
  /** The path as written, e.g. `output.offers[0]`. */
  text: string;
  root: 'output';
  /** Segments after `output`: `output.offers[0]` → `['offers', 0]`; `[]` for `output` itself. */
  path: readonly (string | number)[];
}

/**
 * A path in a condition. Narrow on `root !== 'output'` to get a {@link Reference}, which the
 * caller checks as it checks `${{ … }}` references (unknown step or input, forward reference).
 * In a condition, `text` is the path exactly as written (no `${{ }}`), so it can be found in the
 * file to place a diagnostic.
 */
export type ConditionReference = Reference | OutputReference;

/** The functions of the condition language (SPEC 3.5), each with the names of its parameters. */
export const CONDITION_FUNCTIONS = {
  contains: ['haystack', 'needle'],
  starts_with: ['s', 'prefix'],
  ends_with: ['s', 'suffix'],
  length: ['value'],
} as const;
export type ConditionFunction = keyof typeof CONDITION_FUNCTIONS;

export const COMPARISON_OPERATORS = ['==', '!=', '<', '<=', '>', '>='] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

/** A value a condition can write literally. */
export type ConditionLiteral = string | number | boolean | null;

interface NodeBase {
  /** Index of the node's first character in the original YAML string (wrapper included). */
  offset: number;
  /** The node exactly as written, e.g. `length(output.offers) > 0`; what messages quote. */
  text: string;
}

/** One node of a parsed condition. `&&` and `||` are n-ary, so a long chain of them stays shallow. */
export type ConditionNode = NodeBase &
  (
    | { kind: 'literal'; value: ConditionLiteral }
    | { kind: 'path'; ref: ConditionReference }
    | { kind: 'not'; operand: ConditionNode }
    | { kind: 'and' | 'or'; operands: readonly ConditionNode[] }
    | { kind: 'compare'; operator: ComparisonOperator; left: ConditionNode; right: ConditionNode }
    | { kind: 'call'; name: ConditionFunction; args: readonly ConditionNode[] }
  );

/** A condition compiled at load time, evaluated per run without re-parsing. Plain data. */
export interface Condition {
  /** The YAML value as written: the whole string, or `true` / `false` for a YAML boolean. */
  source: string;
  /** The expression without its `${{ }}` wrapper, as written; what messages quote. */
  text: string;
  root: ConditionNode;
}

/** The diagnostic codes a condition can be refused with at load time. */
export type ConditionProblemCode = Extract<
  DiagnosticCode,
  | 'expr.syntax'
  | 'expr.unknown_root'
  | 'expr.type'
  | 'expr.text_around'
  | 'expr.not_boolean'
  | 'chain.env_reference'
  | 'chain.bad_variable_name'
>;

/** Why a condition is refused at load time. */
export interface ConditionProblem {
  code: ConditionProblemCode;
  message: string;
  hint?: string;
  /**
   * Index in the original YAML string where the problem starts (a `${{ }}` wrapper counts), so
   * the caller can turn it into a line and column; absent when the value is not a string.
   */
  offset?: number;
  /** How many characters from `offset` the problem covers; 0 at the end of the expression. */
  length?: number;
}
