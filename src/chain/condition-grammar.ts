import {
  COMPARISON_OPERATORS,
  CONDITION_FUNCTIONS,
  type ComparisonOperator,
  type ConditionFunction,
  type ConditionNode,
  type ConditionProblem,
  type ConditionReference,
} from './condition-ast.js';
import { ConditionSyntaxError, syntaxError, type Token } from './condition-tokens.js';
import { clip } from './condition-rules.js';
import { EXPRESSION_ROOTS, isProblem, parseReference } from './expression.js';

/**
 * How deep `(`, `!` and function calls may nest in one condition. A chain file is written by
 * anyone who can open a pull request, and every later stage walks the tree recursively: the
 * bound keeps a hostile file from overflowing the stack. Real conditions nest two or three levels.
 */
export const MAX_CONDITION_NESTING = 64;

const LITERAL_WORDS = { true: true, false: false, null: null } as const;
/** Words people reach for from other languages, and what this one writes instead. */
const FOREIGN_WORDS: ReadonlyMap<string, string> = new Map([
  ['and', '&&'],
  ['or', '||'],
  ['not', '!'],
  ['True', 'true'],
  ['False', 'false'],
  ['None', 'null'],
  ['nil', 'null'],
  ['undefined', 'null'],
]);

/** The words YAML 1.1 read as booleans; YAML 1.2, and so cxchain, reads them as text. */
const YAML11_BOOLEANS: ReadonlyMap<string, boolean> = new Map(
  ['yes', 'on', 'no', 'off'].flatMap((w) =>
    [w, w[0]?.toUpperCase() + w.slice(1), w.toUpperCase()].map((v) => [v, w === 'yes' || w === 'on'] as const),
  ),
);

/** `if: yes` (or `'yes'`): what it looks like it means, and how to write it. */
function yamlBooleanHint(word: string): string | undefined {
  const value = YAML11_BOOLEANS.get(word);
  return value === undefined
    ? undefined
    : `\`${word}\` is not a boolean (YAML 1.2 reads it as text): write \`${String(value)}\`, or a comparison such as \`steps.profile.status == 'success'\``;
}

/**
 * Parses the tokens of one expression into a tree: recursive descent over the usual precedence,
 * `!` above comparisons above `&&` above `||` (SPEC 3.5). A syntax error stops it and is the last
 * problem; a malformed path is recorded and parsing goes on, so one pass reports all of them.
 */
export function parseTokens(
  source: string,
  tokens: readonly Token[],
  allowOutput: boolean,
): {
  root?: ConditionNode;
  references: ConditionReference[];
  referenceOffsets: number[];
  problems: ConditionProblem[];
} {
  const parser = new Parser(source, tokens, allowOutput);
  const { references, referenceOffsets } = parser;
  try {
    const root = parser.parseWhole();
    return { root, references, referenceOffsets, problems: parser.problems };
  } catch (error) {
    if (!(error instanceof ConditionSyntaxError)) throw error;
    return { references, referenceOffsets, problems: [...parser.problems, error.problem] };
  }
}

class Parser {
  readonly references: ConditionReference[] = [];
  /** Where each of `references` starts in the string. */
  readonly referenceOffsets: number[] = [];
  readonly problems: ConditionProblem[] = [];
  private index = 0;
  private depth = 0;
  private lastEnd = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: readonly Token[],
    private readonly allowOutput: boolean,
  ) {}

  parseWhole(): ConditionNode {
    const root = this.parseOr();
    const next = this.peek();
    if (next.type !== 'end') {
      if (next.type === 'close') throw syntaxError('unexpected `}}`: it closes no `${{`', next.offset, next.length);
      const instead = next.type === 'word' ? FOREIGN_WORDS.get(next.text) : undefined;
      throw syntaxError(
        instead
          ? `write \`${instead}\` instead of \`${next.type === 'word' ? next.text : ''}\``
          : `${describe(next)} cannot follow \`${clip(root.text)}\`; join conditions with \`&&\` or \`||\``,
        next.offset,
        next.length,
      );
    }
    return root;
  }

  private parseOr(): ConditionNode {
    return this.parseChain('||', 'or', () => this.parseAnd());
  }

  private parseAnd(): ConditionNode {
    return this.parseChain('&&', 'and', () => this.parseComparison());
  }

  private parseChain(operator: '&&' | '||', kind: 'and' | 'or', operand: () => ConditionNode): ConditionNode {
    const start = this.peek().offset;
    const first = operand();
    if (!this.isPunct(operator)) return first;
    const operands = [first];
    while (this.isPunct(operator)) {
      this.next();
      operands.push(operand());
    }
    return { kind, operands, ...this.span(start) };
  }

  private parseComparison(): ConditionNode {
    const start = this.peek().offset;
    const left = this.parseUnary();
    const operator = this.comparisonAt();
    if (!operator) return left;
    this.next();
    const right = this.parseUnary();
    if (this.comparisonAt()) {
      const first = clip(this.source.slice(start, this.lastEnd));
      const token = this.next();
      this.parseUnary();
      throw syntaxError(
        `\`${clip(this.source.slice(start, this.lastEnd))}\`: comparisons do not chain (\`${first}\` is true or false, not a value to compare again)`,
        token.offset,
        token.length,
        'compare two values at a time and join the comparisons with `&&`, e.g. `a < b && b < c`',
      );
    }
    return { kind: 'compare', operator, left, right, ...this.span(start) };
  }

  private parseUnary(): ConditionNode {
    const token = this.peek();
    if (!this.isPunct('!')) return this.parsePrimary();
    this.next();
    this.enter(token);
    const operand = this.parseUnary();
    this.depth--;
    return { kind: 'not', operand, ...this.span(token.offset) };
  }

  private parsePrimary(): ConditionNode {
    const token = this.next();
    switch (token.type) {
      case 'string':
      case 'number':
        return { kind: 'literal', value: token.value, ...this.span(token.offset) };
      case 'word':
        return this.parseWord(token);
      case 'punct':
        if (token.value === '(') {
          this.enter(token);
          const inner = this.parseOr();
          this.expect(')', `to close \`${clip(this.source.slice(token.offset, this.lastEnd))}\``);
          this.depth--;
          return inner;
        }
    }
    throw syntaxError(
      `expected a value (a 'string', a number, true, false, null, a path or a function call) but found ${describe(token)}`,
      token.offset,
      token.length,
    );
  }

  private parseWord(token: Extract<Token, { type: 'word' }>): ConditionNode {
    const { root, path } = token.scanned;
    const span = this.span(token.offset);
    const bare = path.length === 0 && !token.bad;
    if (bare && Object.hasOwn(LITERAL_WORDS, root))
      return { kind: 'literal', value: LITERAL_WORDS[root as keyof typeof LITERAL_WORDS], ...span };
    if (bare && this.isPunct('(')) return this.parseCall(token);
    const placeholder: ConditionNode = { kind: 'literal', value: null, ...span };
    if (root === 'output') {
      if (!this.allowOutput) {
        this.problems.push({
          code: 'expr.unknown_root',
          message: `\`${token.text}\`: \`output\` is a step's own answer and exists only in \`expect:\``,
          hint: 'in `if:`, read an earlier step as `steps.<id>.output…`',
          offset: token.offset,
          length: token.length,
        });
        return placeholder;
      }
      if (token.bad) {
        this.problems.push({
          code: 'expr.syntax',
          message: `\`${token.text}\` has an invalid path at \`${token.text.slice(token.scanned.end - token.offset)}\`; use \`.name\` or \`[index]\` segments`,
          offset: token.offset,
          length: token.length,
        });
        return placeholder;
      }
      return this.path({ text: token.text, root: 'output', path }, span);
    }
    if (bare && !(EXPRESSION_ROOTS as readonly string[]).includes(root) && root !== 'env') {
      const instead = FOREIGN_WORDS.get(root);
      throw syntaxError(
        instead
          ? `write \`${instead}\` instead of \`${root}\``
          : Object.hasOwn(CONDITION_FUNCTIONS, root)
            ? `\`${root}\` is a function: write \`${root}(${CONDITION_FUNCTIONS[root as ConditionFunction].join(', ')})\``
            : `\`${root}\` is not a value: write true, false, null, a number, a 'quoted string' or a path starting with ${[...EXPRESSION_ROOTS, ...(this.allowOutput ? ['output'] : [])].join(', ')}`,
        token.offset,
        token.length,
        yamlBooleanHint(root),
      );
    }
    const parsed = parseReference(token.text, token.text);
    if (isProblem(parsed)) {
      this.problems.push({ ...parsed, offset: token.offset, length: token.length });
      return placeholder;
    }
    return this.path(parsed, span);
  }

  private path(ref: ConditionReference, span: { offset: number; text: string }): ConditionNode {
    this.references.push(ref);
    this.referenceOffsets.push(span.offset);
    return { kind: 'path', ref, ...span };
  }

  private parseCall(token: Extract<Token, { type: 'word' }>): ConditionNode {
    const name = token.text;
    if (!Object.hasOwn(CONDITION_FUNCTIONS, name))
      throw syntaxError(
        `\`${name}\` is not a function; the functions are ${Object.keys(CONDITION_FUNCTIONS).join(', ')}`,
        token.offset,
        token.length,
      );
    const params = CONDITION_FUNCTIONS[name as ConditionFunction];
    this.enter(this.next());
    const args: ConditionNode[] = [];
    if (!this.isPunct(')'))
      for (;;) {
        args.push(this.parseOr());
        if (!this.isPunct(',')) break;
        this.next();
      }
    this.expect(')', `to close \`${name}(\``);
    this.depth--;
    const span = this.span(token.offset);
    if (args.length !== params.length)
      throw syntaxError(
        `\`${span.text}\`: \`${name}\` takes ${params.length === 1 ? 'one argument' : `${params.length} arguments`}, \`${name}(${params.join(', ')})\`; got ${args.length}`,
        token.offset,
        span.text.length,
      );
    return { kind: 'call', name: name as ConditionFunction, args, ...span };
  }

  private enter(token: Token): void {
    if (++this.depth > MAX_CONDITION_NESTING)
      throw syntaxError(
        `the condition nests more than ${MAX_CONDITION_NESTING} levels of \`(\`, \`!\` and function calls`,
        token.offset,
        token.length,
      );
  }

  private expect(value: ')', why: string): void {
    const token = this.peek();
    if (token.type === 'punct' && token.value === value) {
      this.next();
      return;
    }
    throw syntaxError(`expected \`${value}\` ${why} but found ${describe(token)}`, token.offset, token.length);
  }

  private comparisonAt(): ComparisonOperator | undefined {
    const token = this.peek();
    return token.type === 'punct' && (COMPARISON_OPERATORS as readonly string[]).includes(token.value)
      ? (token.value as ComparisonOperator)
      : undefined;
  }

  private isPunct(value: string): boolean {
    const token = this.peek();
    return token.type === 'punct' && token.value === value;
  }

  private peek(): Token {
    return this.tokens[this.index] as Token;
  }

  private next(): Token {
    const token = this.peek();
    // The end token is never consumed, so every `peek` after it still sees the end.
    if (token.type !== 'end') {
      this.index++;
      this.lastEnd = token.offset + token.length;
    }
    return token;
  }

  /** Offset and text of a node that started at `start` and ends with the last token consumed. */
  private span(start: number): { offset: number; text: string } {
    return { offset: start, text: this.source.slice(start, this.lastEnd) };
  }
}

function describe(token: Token): string {
  switch (token.type) {
    case 'end':
      return 'the end of the condition';
    case 'open':
      return '`${{` (expressions do not nest)';
    case 'close':
      return '`}}`, which closes no `${{`';
    case 'string':
      return `the string \`${clip(`'${token.value.replaceAll("'", "''")}'`)}\``;
    case 'number':
      return `the number \`${token.value}\``;
    case 'word':
      return `\`${token.text}\``;
    case 'punct':
      return `\`${token.value}\``;
  }
}
