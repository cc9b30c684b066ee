import type { ConditionNode, ConditionProblem, ConditionReference } from './condition-ast.js';
import { parseTokens } from './condition-grammar.js';
import { ConditionSyntaxError, tokenize, type Token } from './condition-tokens.js';

/** The parser's result: the tree when it parsed, and every path it read in order. */
export interface ParsedCondition {
  /** The expression as written, without `${{ }}`. */
  text: string;
  /** Absent when `problems` holds a syntax error; may hold placeholders when it holds path problems. */
  root?: ConditionNode;
  references: ConditionReference[];
  /** Where each of `references` starts in the string (a `${{ }}` wrapper counts). */
  referenceOffsets: number[];
  problems: ConditionProblem[];
}

/**
 * Parses one condition written as the whole of a YAML string: `${{ … }}` (whitespace around it
 * allowed) or the bare expression (SPEC 3.5). Text around or between `${{ … }}` is refused, since
 * GitHub reads `true && ${{ false }}` as a non-empty string, which is always true.
 */
export function parseCondition(value: string, allowOutput: boolean): ParsedCondition {
  const first = value.search(/\S/);
  const wrapped = first !== -1 && value.startsWith('${{', first);
  let tokens: Token[];
  try {
    tokens = tokenize(value, wrapped ? first + 3 : 0, wrapped);
  } catch (error) {
    if (!(error instanceof ConditionSyntaxError)) throw error;
    if (!wrapped && value.includes('${{'))
      return failed(value, textAround(value, first, value.indexOf('${{'), allowOutput));
    return failed(value, error.problem);
  }
  const end = tokens.at(-1) as Token;
  if (wrapped && end.length === 0)
    return failed(value, {
      code: 'expr.syntax',
      message: '`${{` is not closed with `}}`',
      offset: first,
      length: 3,
    });
  const nested = wrapped ? tokens.find((t) => t.type === 'open') : undefined;
  if (nested)
    return failed(value, {
      code: 'expr.syntax',
      message: '`${{` inside `${{ … }}`: expressions do not nest; write one `${{ … }}` around the whole condition',
      offset: nested.offset,
      length: nested.length,
    });
  if (wrapped) {
    const after = value.slice(end.offset + 2).search(/\S/);
    if (after !== -1)
      return failed(value, textAround(value, end.offset + 2 + after, value.indexOf('${{', end.offset), allowOutput));
  } else {
    const open = tokens.find((t) => t.type === 'open');
    if (open) return failed(value, textAround(value, first, open.offset, allowOutput));
  }
  const start = wrapped ? first + 3 : 0;
  const text = value.slice(start, end.offset).trim();
  if (tokens.length === 1)
    return failed(value, {
      code: 'expr.syntax',
      message: 'this condition is empty',
      hint: "write an expression such as `${{ steps.profile.status == 'success' }}`",
      offset: first === -1 ? 0 : first,
      length: 0,
    });
  return { text, ...parseTokens(value, tokens, allowOutput) };
}

function failed(value: string, problem: ConditionProblem): ParsedCondition {
  return { text: value.trim(), references: [], referenceOffsets: [], problems: [problem] };
}

/**
 * Text outside the one expression. `from` is where the stray text starts; `nextOpen` is the
 * `${{` it runs up to, or -1 when it runs to the end.
 */
function textAround(value: string, from: number, nextOpen: number, allowOutput: boolean): ConditionProblem {
  const until = nextOpen > from ? nextOpen : value.length;
  const length = value.slice(from, until).trimEnd().length;
  const where = nextOpen > from ? (from === value.search(/\S/) ? 'before' : 'between') : 'after';
  const joined = value.replace(/\$\{\{(.*?)\}\}/gs, (_, inner: string) => inner.trim()).trim();
  // Offered only when the pieces joined make a condition short enough to read in a hint.
  const parsesJoined =
    joined.length <= 120 && !joined.includes('${{') && parseCondition(joined, allowOutput).problems.length === 0;
  return {
    code: 'expr.text_around',
    message: `text ${where === 'between' ? 'between two `${{ … }}`' : `${where} \`\${{ … }}\``}: a condition is one expression, written as \`\${{ … }}\` or bare; with text around it the value would be a string, which GitHub reads as always true`,
    hint: parsesJoined
      ? `write the whole condition inside one \`\${{ … }}\` or without any: \`${joined}\``
      : 'write the whole condition inside one `${{ … }}`, or without `${{ }}` at all',
    offset: from,
    length,
  };
}
