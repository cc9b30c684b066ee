import type { ConditionNode, ConditionProblem } from './condition-ast.js';
import {
  NEEDS_BOOLEAN,
  checkOperands,
  describeType,
  typeMessage,
  valueTypeOf,
  type KnownType,
  type TypeViolation,
} from './condition-rules.js';
import type { Reference } from './expression.js';

/**
 * What the caller knows about a path's type at load time: a declared input's type, `string` for
 * `steps.<id>.status`, `chain.id`, `run.id`, `vars.*` and `secrets.*`. Say a type only when the
 * value is sure to have it (an optional input without a default may be null); `unknown` is
 * checked at run time. Never asked about `output…`, which only the answer knows.
 */
export type ReferenceTypeOf = (ref: Reference) => KnownType;

/**
 * The load-time type check of SPEC 3.5: every type error the literals and the known path types
 * already make certain, e.g. `'a' < 1`, `!'x'`, `1 && true`, `length(5)` or a condition that is a
 * string. With only unknown types it reports nothing.
 */
export function checkConditionTypes(root: ConditionNode, typeOf?: ReferenceTypeOf): ConditionProblem[] {
  const problems: ConditionProblem[] = [];
  const type = typeOfNode(root, typeOf, problems);
  if (type !== 'unknown' && type !== 'boolean')
    problems.push({
      code: 'expr.not_boolean',
      message: typeMessage(root, NEEDS_BOOLEAN.condition, [{ node: root, got: describeType(type) }]),
      hint: "write `true` or `false`, or a comparison such as `steps.profile.output.tier == 'gold'`",
      offset: root.offset,
      length: root.text.length,
    });
  // Children are checked before their parent; a file reads top to bottom.
  return problems.sort((a, b) => (a.offset ?? 0) - (b.offset ?? 0));
}

/** The type `node` yields, pushing each problem in it; recursion is bounded by MAX_CONDITION_NESTING. */
function typeOfNode(node: ConditionNode, typeOf: ReferenceTypeOf | undefined, problems: ConditionProblem[]): KnownType {
  const boolean = (need: string, operand: ConditionNode): void => {
    const type = typeOfNode(operand, typeOf, problems);
    if (type === 'unknown' || type === 'boolean') return;
    problems.push(located(operand, typeMessage(node, need, [{ node: operand, got: describeType(type) }])));
  };
  switch (node.kind) {
    case 'literal':
      return valueTypeOf(node.value);
    case 'path':
      return node.ref.root === 'output' ? 'unknown' : (typeOf?.(node.ref) ?? 'unknown');
    case 'not':
      boolean(NEEDS_BOOLEAN['!'], node.operand);
      return 'boolean';
    case 'and':
    case 'or':
      for (const operand of node.operands) boolean(NEEDS_BOOLEAN[node.kind === 'and' ? '&&' : '||'], operand);
      return 'boolean';
    case 'compare': {
      const operands = [node.left, node.right];
      const types = operands.map((operand) => typeOfNode(operand, typeOf, problems));
      report(node, operands, types, checkOperands(node.operator, types), problems);
      return 'boolean';
    }
    case 'call': {
      const types = node.args.map((arg) => typeOfNode(arg, typeOf, problems));
      report(node, node.args, types, checkOperands(node.name, types), problems);
      return node.name === 'length' ? 'number' : 'boolean';
    }
  }
}

function report(
  node: ConditionNode,
  operands: readonly ConditionNode[],
  types: readonly KnownType[],
  violation: TypeViolation | undefined,
  problems: ConditionProblem[],
): void {
  if (!violation) return;
  const culprits = violation.blame.map((i) => ({
    node: operands[i] as ConditionNode,
    got: describeType(types[i] ?? 'unknown'),
  }));
  const message = typeMessage(node, violation.need, culprits);
  // One operand at fault is where the caret goes; two that do not match each other, the whole.
  const only = culprits.length === 1 ? culprits[0]?.node : undefined;
  problems.push(located(only ?? node, message));
}

function located(node: ConditionNode, message: string): ConditionProblem {
  return { code: 'expr.type', message, offset: node.offset, length: node.text.length };
}
