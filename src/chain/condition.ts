import type { Condition, ConditionProblem, ConditionReference } from './condition-ast.js';
import { checkConditionTypes, type ReferenceTypeOf } from './condition-check.js';
import { parseCondition } from './condition-parse.js';
import { describeType, valueTypeOf } from './condition-rules.js';

/** How a condition is compiled: where it sits decides what it may read. */
export interface CompileConditionOptions {
  /** `output` (the step's own answer) may be read: true in `expect:`, false in `if:` (SPEC 3.5). No default. */
  allowOutput: boolean;
  /** The known type of a path, for the load-time type check; default: every path is `unknown`. */
  typeOf?: ReferenceTypeOf;
}

/** A condition compiled at load time. */
export interface CompiledCondition {
  /** Present exactly when `problems` is empty. */
  condition?: Condition;
  /**
   * Every path in the condition, in the order written, for the caller's own checks (unknown
   * step or input, forward reference); with a syntax error, those before it.
   */
  references: ConditionReference[];
  /** Where each of `references` starts in the YAML string (a `${{ }}` wrapper counts). */
  referenceOffsets: number[];
  /** Every problem found: path and syntax problems, or once those are fixed, type problems. */
  problems: ConditionProblem[];
}

/**
 * Compiles the YAML value of an `if:` or of one `expect:` item (SPEC 3.5): a string holding one
 * expression, `${{ … }}` or bare, or a YAML boolean, which is that literal. Anything else can
 * never be true or false. Problems are data, each with its offset in the string.
 */
export function compileCondition(value: unknown, options: CompileConditionOptions): CompiledCondition {
  if (typeof value === 'boolean') {
    const text = String(value);
    return {
      condition: { source: text, text, root: { kind: 'literal', value, offset: 0, text } },
      references: [],
      referenceOffsets: [],
      problems: [],
    };
  }
  if (typeof value !== 'string') {
    const type = valueTypeOf(value);
    return {
      references: [],
      referenceOffsets: [],
      problems: [
        {
          code: 'expr.not_boolean',
          message: `a condition must be a boolean expression, such as \`\${{ steps.profile.status == 'success' }}\`; got ${value === null || value === undefined ? 'nothing (null)' : type === 'number' ? `the number ${String(value)}` : describeType(type)}`,
          hint: 'write one expression: `${{ … }}` or the bare expression, e.g. `inputs.dry_run == false`',
        },
      ],
    };
  }
  const parsed = parseCondition(value, options.allowOutput);
  const { root, references, referenceOffsets } = parsed;
  if (!root || parsed.problems.length > 0) return { references, referenceOffsets, problems: parsed.problems };
  const problems = checkConditionTypes(root, options.typeOf);
  return problems.length > 0
    ? { references, referenceOffsets, problems }
    : { condition: { source: value, text: parsed.text, root }, references, referenceOffsets, problems };
}
