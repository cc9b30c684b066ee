import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  MAX_CONDITION_NESTING,
  compileCondition,
  evaluateCondition,
  type CompileConditionOptions,
  type Condition,
  type ConditionNode,
  type ConditionOutcome,
  type ConditionScope,
  type KnownType,
  type Reference,
} from '../src/chain/index.js';
import { resolveReference, UnresolvedReference, type ResolveContext } from '../src/engine/index.js';

/**
 * SPEC 3.5: the condition language of `if:` and `expect:` — one expression per value, strictly
 * typed (no truthiness), paths that do not resolve read as null, load-time problems with offsets.
 */

const IF: CompileConditionOptions = { allowOutput: false };
const EXPECT: CompileConditionOptions = { allowOutput: true };

function compiled(value: unknown, options: CompileConditionOptions = EXPECT): Condition {
  const result = compileCondition(value, options);
  assert.deepEqual(result.problems, [], `${JSON.stringify(value)} should compile`);
  assert.ok(result.condition);
  return result.condition;
}

/** The problems of a value as `[code, offset, length]`, the way a caller places them. */
function problemsOf(value: unknown, options: CompileConditionOptions = EXPECT): unknown[] {
  const { condition, problems } = compileCondition(value, options);
  assert.equal(condition, undefined, 'a condition with problems is not returned');
  return problems.map((p) => [p.code, p.offset, p.length]);
}

function messageOf(value: unknown, options: CompileConditionOptions = EXPECT): string {
  const [problem] = compileCondition(value, options).problems;
  assert.ok(problem, `${JSON.stringify(value)} should have a problem`);
  return problem.message;
}

/** A run's context as the engine has it; `read` resolves through the engine's own resolver. */
const CONTEXT: ResolveContext = {
  inputs: { n: 5, s: 'gold', flag: true, list: [1, 'two', { three: 3 }], map: { a: 1, b: [2] }, empty: '' },
  steps: new Map([
    ['profile', { status: 'success' as const, output: { tier: 'gold', offers: ['a', 'b'], score: 0.5 } }],
    ['p', { status: 'skipped' as const, output: undefined }],
    ['broken', { status: 'failed' as const, output: undefined }],
  ]),
  chainId: 'cust-data-sync-001',
  runId: 'run-1',
  env: { CXCHAIN_VAR_REGION: 'US-WEST' },
};

function readFromRun(ref: Reference): unknown {
  try {
    return resolveReference(ref, CONTEXT);
  } catch (error) {
    if (error instanceof UnresolvedReference) return undefined;
    throw error;
  }
}

function evaluate(value: unknown, output?: unknown): ConditionOutcome {
  const scope: ConditionScope = output === undefined ? { read: readFromRun } : { read: readFromRun, output };
  return evaluateCondition(compiled(value), scope);
}

function valueOf(value: unknown, output?: unknown): boolean {
  const outcome = evaluate(value, output);
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.message);
  return outcome.value;
}

function runtimeError(value: unknown, output?: unknown): string {
  const outcome = evaluate(value, output);
  assert.ok(!outcome.ok, `${JSON.stringify(value)} should fail at run time`);
  return outcome.message;
}

/** The tree as an S-expression, to read precedence at a glance. */
function tree(node: ConditionNode): string {
  switch (node.kind) {
    case 'literal':
      return JSON.stringify(node.value);
    case 'path':
      return node.ref.text;
    case 'not':
      return `(! ${tree(node.operand)})`;
    case 'and':
    case 'or':
      return `(${node.kind} ${node.operands.map(tree).join(' ')})`;
    case 'compare':
      return `(${node.operator} ${tree(node.left)} ${tree(node.right)})`;
    case 'call':
      return `(${node.name} ${node.args.map(tree).join(' ')})`;
  }
}

describe('the value is one expression: ${{ … }} or bare', () => {
  const holds: [unknown, boolean][] = [
    ['${{ true }}', true],
    ['${{ false }}', false],
    ['  ${{ inputs.n == 5 }}\n', true],
    ['inputs.n == 5', true],
    ['${{inputs.n==5}}', true],
    [true, true],
    [false, false],
    ["${{ contains(inputs.s, '}}') }}", false],
    ["contains('a ${{ b', '${{')", true],
  ];
  for (const [value, expected] of holds)
    test(`${JSON.stringify(value)} is ${expected}`, () => assert.equal(valueOf(value), expected));

  test('the text of a condition is the expression without its wrapper; the source is the value', () => {
    const condition = compiled('  ${{ inputs.n == 5 }} ');
    assert.equal(condition.text, 'inputs.n == 5');
    assert.equal(condition.source, '  ${{ inputs.n == 5 }} ');
    assert.equal(compiled(true).text, 'true');
  });

  // GitHub's trap: `if: true && ${{ false }}` is a non-empty string there, so always true.
  const around: [string, number, number][] = [
    ['true && ${{ false }}', 0, 7],
    ['${{ inputs.n }} && ${{ inputs.flag }}', 16, 2],
    ['x ${{ inputs.flag }}', 0, 1],
    ['${{ inputs.flag }} x', 19, 1],
    ['  ${{ inputs.flag }}  and more  ', 22, 8],
    ["it's ${{ inputs.flag }}", 0, 4],
  ];
  for (const [value, offset, length] of around)
    test(`${JSON.stringify(value)}: text around an expression is refused`, () =>
      assert.deepEqual(problemsOf(value), [['expr.text_around', offset, length]]));

  test('the message says why, and the hint joins the pieces when they make a condition', () => {
    const [problem] = compileCondition('${{ inputs.n == 5 }} && ${{ inputs.flag }}', IF).problems;
    assert.equal(
      problem?.message,
      'text between two `${{ … }}`: a condition is one expression, written as `${{ … }}` or bare; with text around it the value would be a string, which GitHub reads as always true',
    );
    assert.equal(
      problem?.hint,
      'write the whole condition inside one `${{ … }}` or without any: `inputs.n == 5 && inputs.flag`',
    );
    assert.match(messageOf('true && ${{ false }}', IF), /^text before `\$\{\{ … \}\}`/);
    assert.match(messageOf('${{ true }} x', IF), /^text after `\$\{\{ … \}\}`/);
  });

  const notBoolean: [unknown, string][] = [
    [5, 'the number 5'],
    [null, 'nothing (null)'],
    [['a'], 'a list'],
    [{ a: 1 }, 'a mapping'],
  ];
  for (const [value, got] of notBoolean)
    test(`the YAML value ${JSON.stringify(value)} is not a condition`, () => {
      assert.deepEqual(problemsOf(value), [['expr.not_boolean', undefined, undefined]]);
      assert.equal(
        messageOf(value),
        `a condition must be a boolean expression, such as \`\${{ steps.profile.status == 'success' }}\`; got ${got}`,
      );
    });

  const broken: [string, string, number, number][] = [
    ['${{ inputs.n == 5', '`${{` is not closed with `}}`', 0, 3],
    ['${{ }}', 'this condition is empty', 0, 0],
    ['', 'this condition is empty', 0, 0],
    ['inputs.n == 5 }}', 'unexpected `}}`: it closes no `${{`', 14, 2],
    [
      '${{ inputs.n == ${{ 5 }} }}',
      '`${{` inside `${{ … }}`: expressions do not nest; write one `${{ … }}` around the whole condition',
      16,
      3,
    ],
  ];
  for (const [value, message, offset, length] of broken)
    test(`${JSON.stringify(value)}: ${message}`, () => {
      assert.deepEqual(problemsOf(value), [['expr.syntax', offset, length]]);
      assert.equal(messageOf(value), message);
    });
});

describe('literals', () => {
  const cases: [string, boolean][] = [
    ["'it''s' == 'it''s'", true],
    ["length('it''s') == 4", true],
    ["'' == ''", true],
    ['0 == 0', true],
    ['12 > -3', true],
    ['1.5 < 2', true],
    ['-0.25 < 0', true],
    ['1 == 1.0', true],
    ['null == null', true],
    ['true != false', true],
    ["'true' == true", false],
  ];
  for (const [value, expected] of cases) test(`${value} is ${expected}`, () => assert.equal(valueOf(value), expected));

  const bad: [string, string, number, number][] = [
    [
      '"gold" == inputs.s',
      "strings are written in single quotes, e.g. `'premium'` (a quote inside one is doubled: `'it''s'`)",
      0,
      1,
    ],
    ["inputs.s == 'gold", "this string is not closed with `'`", 12, 1],
    ['inputs.n == 007', '`007` is not a number; numbers are written like `0`, `12`, `-3` or `1.5`', 12, 3],
    ['inputs.n == 1.', '`1.` is not a number; numbers are written like `0`, `12`, `-3` or `1.5`', 12, 2],
    ['inputs.n == .5', 'a number starts with a digit: `0.5`, not `.5`', 12, 1],
    ['inputs.n == 1e3', '`1e3` is not a number; numbers are written like `0`, `12`, `-3` or `1.5`', 12, 3],
    [
      'inputs.n == 12345678901234567890',
      '`12345678901234567890` is too large to compare exactly; integers go up to 9007199254740991 either side of 0',
      12,
      20,
    ],
    [
      'inputs.n == - 3',
      '`-`: a condition has no arithmetic; it compares values (a negative number is written `-3`)',
      12,
      1,
    ],
    [
      'inputs.n + 1 == 6',
      '`+`: a condition has no arithmetic; it compares values (a negative number is written `-3`)',
      9,
      1,
    ],
    ['True', 'write `true` instead of `True`', 0, 4],
    ['inputs.x == None', 'write `null` instead of `None`', 12, 4],
    [
      'yes',
      "`yes` is not a value: write true, false, null, a number, a 'quoted string' or a path starting with inputs, steps, chain, run, vars, secrets, output",
      0,
      3,
    ],
  ];
  for (const [value, message, offset, length] of bad)
    test(`${value}: ${message}`, () => {
      assert.deepEqual(problemsOf(value), [['expr.syntax', offset, length]]);
      assert.equal(messageOf(value), message);
    });

  test('the string hint says how to write a quote', () =>
    assert.equal(
      compileCondition("'it's'", IF).problems[0]?.hint,
      "a quote inside a string is written twice: `'it''s'`",
    ));
});

describe('precedence: ! above comparisons above && above ||', () => {
  const cases: [string, string][] = [
    ['inputs.a || inputs.b && inputs.c', '(or inputs.a (and inputs.b inputs.c))'],
    ['inputs.a && inputs.b || inputs.c', '(or (and inputs.a inputs.b) inputs.c)'],
    ['!inputs.a == inputs.b', '(== (! inputs.a) inputs.b)'],
    ['!(inputs.a == inputs.b)', '(! (== inputs.a inputs.b))'],
    ['!!inputs.a', '(! (! inputs.a))'],
    ['inputs.a == 1 && inputs.b != 2 || inputs.c', '(or (and (== inputs.a 1) (!= inputs.b 2)) inputs.c)'],
    ['(inputs.a || inputs.b) && inputs.c', '(and (or inputs.a inputs.b) inputs.c)'],
    ['inputs.a && inputs.b && inputs.c && inputs.d', '(and inputs.a inputs.b inputs.c inputs.d)'],
    ["contains(inputs.l, 'x') && length(inputs.s) >= 2", '(and (contains inputs.l "x") (>= (length inputs.s) 2))'],
  ];
  for (const [value, expected] of cases)
    test(`${value} → ${expected}`, () => assert.equal(tree(compiled(value).root), expected));

  test('evaluation follows it', () => {
    assert.equal(valueOf('true || false && false'), true);
    assert.equal(valueOf('(true || false) && false'), false);
    assert.equal(valueOf('!false == false'), false);
    assert.equal(valueOf('!(false == false)'), false);
    assert.equal(valueOf('!(true == false)'), true);
  });

  test('each node keeps its text as written, parentheses included', () => {
    const { root } = compiled('${{ (inputs.a || inputs.b) && !inputs.c }}');
    assert.equal(root.text, '(inputs.a || inputs.b) && !inputs.c');
    assert.equal(root.offset, 4);
    assert.ok(root.kind === 'and');
    assert.deepEqual(
      root.operands.map((o) => [o.text, o.offset]),
      [
        ['inputs.a || inputs.b', 5],
        ['!inputs.c', 30],
      ],
    );
  });

  const chained: [string, string, number][] = [
    ['1 < 2 < 3', '`1 < 2 < 3`: comparisons do not chain (`1 < 2` is true or false, not a value to compare again)', 6],
    [
      '${{ inputs.n == 5 == true }}',
      '`inputs.n == 5 == true`: comparisons do not chain (`inputs.n == 5` is true or false, not a value to compare again)',
      18,
    ],
  ];
  for (const [value, message, offset] of chained)
    test(`${value}: comparisons do not chain`, () => {
      const [problem] = compileCondition(value, EXPECT).problems;
      assert.deepEqual([problem?.code, problem?.message, problem?.offset], ['expr.syntax', message, offset]);
      assert.equal(
        problem?.hint,
        'compare two values at a time and join the comparisons with `&&`, e.g. `a < b && b < c`',
      );
    });
});

describe('operators and functions', () => {
  const cases: [string, boolean][] = [
    ['inputs.n == 5', true],
    ['inputs.n != 5', false],
    ['inputs.n < 6', true],
    ['inputs.n <= 5', true],
    ['inputs.n > 5', false],
    ['inputs.n >= 5', true],
    ["inputs.s < 'silver'", true],
    ["'b' > 'a'", true],
    ["'B' < 'a'", true],
    ['inputs.flag && true', true],
    ['inputs.flag && false', false],
    ['false || inputs.flag', true],
    ['false || false', false],
    ['!inputs.flag', false],
    ["contains(inputs.s, 'ol')", true],
    ["contains(inputs.s, '')", true],
    ["contains(inputs.s, 'x')", false],
    ["contains(inputs.list, 'two')", true],
    ['contains(inputs.list, 1)', true],
    ["contains(inputs.list, '1')", false],
    ['contains(inputs.list, null)', false],
    ["starts_with(inputs.s, 'go')", true],
    ["starts_with(inputs.s, 'ld')", false],
    ["ends_with(inputs.s, 'ld')", true],
    ["ends_with(inputs.s, 'go')", false],
    ['length(inputs.s) == 4', true],
    ['length(inputs.empty) == 0', true],
    ['length(inputs.list) == 3', true],
    ['length(inputs.map) == 2', true],
    ["length('né🎉') == 3", true],
    ["steps.profile.status == 'success'", true],
    ["steps.profile.output.tier == 'gold'", true],
    ['length(steps.profile.output.offers) > 1', true],
    ["steps.profile.output.offers[1] == 'b'", true],
    ["steps.profile.output['tier'] == 'gold'", true],
    ["chain.id == 'cust-data-sync-001'", true],
    ["run.id == 'run-1'", true],
    ["vars.REGION == 'US-WEST'", true],
  ];
  for (const [value, expected] of cases) test(`${value} is ${expected}`, () => assert.equal(valueOf(value), expected));

  // SPEC 3.5: `==` between values of different types is false, never an error.
  const equality: [string, boolean][] = [
    ["1 == '1'", false],
    ["1 != '1'", true],
    ['null == false', false],
    ["null == ''", false],
    ['0 == false', false],
    ['inputs.list == inputs.map', false],
    ['output.a == output.b', true],
    ['output.a == output.c', false],
    ['output.a != output.c', true],
    ['output.m == output.n', true],
    ['output.m == output.o', false],
    ['contains(output.rows, output.m)', true],
  ];
  const output = {
    a: [1, [2, { x: 'y' }]],
    b: [1, [2, { x: 'y' }]],
    c: [1, [2, { x: 'z' }]],
    m: { k: [1, 2], j: null },
    n: { j: null, k: [1, 2] },
    o: { k: [1, 2] },
    rows: [{ k: [1] }, { j: null, k: [1, 2] }],
  };
  for (const [value, expected] of equality)
    test(`${value} is ${expected} (deep, typed)`, () => assert.equal(valueOf(value, output), expected));

  test('&& and || stop at the operand that decides them', () => {
    // `broken` failed: its output does not resolve, and would be a type error if compared.
    assert.equal(valueOf("steps.broken.status == 'success' && steps.broken.output.n > 3"), false);
    assert.equal(valueOf("steps.broken.status == 'failed' || steps.broken.output.n > 3"), true);
    assert.deepEqual(
      evaluate("steps.broken.status == 'success' && steps.broken.output.n > 3").observed.map((o) => o.text),
      ['steps.broken.status'],
    );
  });

  const calls: [string, string][] = [
    ['contains(inputs.s)', '`contains(inputs.s)`: `contains` takes 2 arguments, `contains(haystack, needle)`; got 1'],
    ["length(inputs.s, 'x')", "`length(inputs.s, 'x')`: `length` takes one argument, `length(value)`; got 2"],
    ['starts_with() == 1', '`starts_with()`: `starts_with` takes 2 arguments, `starts_with(s, prefix)`; got 0'],
    ['upper(inputs.s)', '`upper` is not a function; the functions are contains, starts_with, ends_with, length'],
    ['length > 0', '`length` is a function: write `length(value)`'],
    ['inputs.a and inputs.b', 'write `&&` instead of `and`'],
    ['not inputs.a', 'write `!` instead of `not`'],
    ['inputs.a = 1', '`=` alone is not an operator; compare with `==`'],
    ['inputs.a & inputs.b', '`&` alone is not an operator; write `&&`'],
    ['inputs.a inputs.b', '`inputs.b` cannot follow `inputs.a`; join conditions with `&&` or `||`'],
    ['(inputs.a', 'expected `)` to close `(inputs.a` but found the end of the condition'],
    ['inputs.a constructor', '`constructor` cannot follow `inputs.a`; join conditions with `&&` or `||`'],
    ['toString(inputs.s)', '`toString` is not a function; the functions are contains, starts_with, ends_with, length'],
    [
      'constructor',
      "`constructor` is not a value: write true, false, null, a number, a 'quoted string' or a path starting with inputs, steps, chain, run, vars, secrets, output",
    ],
    ["inputs.a == 'x' 'y'", "the string `'y'` cannot follow `inputs.a == 'x'`; join conditions with `&&` or `||`"],
    [
      'inputs.a ==',
      "expected a value (a 'string', a number, true, false, null, a path or a function call) but found the end of the condition",
    ],
  ];
  for (const [value, message] of calls) test(`${value}: ${message}`, () => assert.equal(messageOf(value), message));
});

describe('strict types at load time', () => {
  const literal: [string, string, string, number, number][] = [
    ["'a' < 1", 'expr.type', "`'a' < 1`: `<` compares two numbers or two strings; got a string and a number", 0, 7],
    ["!'x'", 'expr.type', "`!'x'`: `!` needs true or false; got a string", 1, 3],
    ['1 && true', 'expr.type', '`1 && true`: `&&` needs true or false on each side; got a number', 0, 1],
    ["true || 'no'", 'expr.type', "`true || 'no'`: `||` needs true or false on each side; got a string", 8, 4],
    [
      'true < false',
      'expr.type',
      '`true < false`: `<` compares two numbers or two strings; got a boolean and a boolean',
      0,
      12,
    ],
    ['null >= 1', 'expr.type', '`null >= 1`: `>=` compares two numbers or two strings; got null', 0, 4],
    ["starts_with(1, 'a')", 'expr.type', "`starts_with(1, 'a')`: `starts_with` needs two strings; got a number", 12, 1],
    [
      "contains('abc', 1)",
      'expr.type',
      "`contains('abc', 1)`: `contains` looks for a string in a string; got a number",
      16,
      1,
    ],
    ['contains(5, 1)', 'expr.type', '`contains(5, 1)`: `contains` looks in a string or a list; got a number', 9, 1],
    ['length(5) > 0', 'expr.type', '`length(5)`: `length` counts a string, a list or a mapping; got a number', 7, 1],
    ["'yes'", 'expr.not_boolean', "`'yes'`: a condition must be true or false; got a string", 0, 5],
    ['5', 'expr.not_boolean', '`5`: a condition must be true or false; got a number', 0, 1],
    ['${{ null }}', 'expr.not_boolean', '`null`: a condition must be true or false; got null', 4, 4],
    [
      "${{ length('abc') }}",
      'expr.not_boolean',
      "`length('abc')`: a condition must be true or false; got a number",
      4,
      13,
    ],
  ];
  for (const [value, code, message, offset, length] of literal)
    test(`${value}: ${message}`, () => {
      const [problem] = compileCondition(value, EXPECT).problems;
      assert.deepEqual(
        [problem?.code, problem?.message, problem?.offset, problem?.length],
        [code, message, offset, length],
      );
    });

  test('every type problem is reported in one pass', () =>
    assert.deepEqual(problemsOf("!'x' && length(5) > 'a' && 1"), [
      ['expr.type', 1, 3],
      ['expr.type', 8, 15],
      ['expr.type', 15, 1],
      ['expr.type', 27, 1],
    ]));

  /** What a chain's declarations tell: `inputs.n` a number, `inputs.flag` a boolean, statuses and ids strings. */
  const typeOf = (ref: Reference): KnownType => {
    if (ref.root === 'inputs')
      return ({ n: 'number', flag: 'boolean', s: 'string' } as const)[ref.path[0] as 'n'] ?? 'unknown';
    if (ref.root === 'steps') return ref.path[1] === 'status' ? 'string' : 'unknown';
    return 'string';
  };
  const declared: [string, string, string][] = [
    [
      "inputs.n < 'a'",
      'expr.type',
      "`inputs.n < 'a'`: `<` compares two numbers or two strings; got a number from `inputs.n` and a string",
    ],
    ['!inputs.n', 'expr.type', '`!inputs.n`: `!` needs true or false; got a number from `inputs.n`'],
    [
      'inputs.flag > 1',
      'expr.type',
      '`inputs.flag > 1`: `>` compares two numbers or two strings; got a boolean from `inputs.flag`',
    ],
    [
      'steps.p.status > 3',
      'expr.type',
      '`steps.p.status > 3`: `>` compares two numbers or two strings; got a string from `steps.p.status` and a number',
    ],
    [
      'length(inputs.n) > 0',
      'expr.type',
      '`length(inputs.n)`: `length` counts a string, a list or a mapping; got a number from `inputs.n`',
    ],
    ['steps.p.status', 'expr.not_boolean', '`steps.p.status`: a condition must be true or false; got a string'],
    ['vars.MODE', 'expr.not_boolean', '`vars.MODE`: a condition must be true or false; got a string'],
  ];
  for (const [value, code, message] of declared)
    test(`with declared types, ${value}: ${message}`, () => {
      const [problem] = compileCondition(value, { allowOutput: false, typeOf }).problems;
      assert.deepEqual([problem?.code, problem?.message], [code, message]);
    });

  const fine = [
    '!inputs.flag && inputs.n >= 2 && length(inputs.s) > 0',
    "inputs.n == 'five'",
    "steps.p.status == 'success'",
    "starts_with(chain.id, 'cust') || run.id != ''",
  ];
  for (const value of fine)
    test(`with declared types, ${value} is fine`, () =>
      assert.deepEqual(compileCondition(value, { allowOutput: false, typeOf }).problems, []));

  test('with unknown types nothing is reported at load time', () => {
    const value =
      'inputs.x < 1 && !inputs.y && length(inputs.z) > 0 && contains(steps.a.output.list, 1) && steps.a.output.ok';
    assert.deepEqual(compileCondition(value, IF).problems, []);
    assert.deepEqual(compileCondition(value, { allowOutput: false, typeOf: () => 'unknown' }).problems, []);
  });

  test('typeOf is never asked about output: only the answer knows it', () => {
    const asked: string[] = [];
    const { problems } = compileCondition('length(output.offers) > 0 && inputs.n > 1', {
      allowOutput: true,
      typeOf: (ref) => (asked.push(ref.text), 'number'),
    });
    assert.deepEqual(asked, ['inputs.n']);
    assert.deepEqual(problems, []);
  });
});

describe('strict types at run time (kind invalid_expression)', () => {
  const cases: [string, unknown, string][] = [
    [
      'length(output.count) > 0',
      { count: 5 },
      '`length(output.count)`: `length` counts a string, a list or a mapping; got the number 5 from `output.count`',
    ],
    [
      'output.a && true',
      { a: 'x' },
      "`output.a && true`: `&&` needs true or false on each side; got the string 'x' from `output.a`",
    ],
    ['!output.a', { a: 1 }, '`!output.a`: `!` needs true or false; got the number 1 from `output.a`'],
    [
      'output.n > 3',
      {},
      '`output.n > 3`: `>` compares two numbers or two strings; got null from `output.n`, which does not resolve',
    ],
    [
      "output.n < 'a'",
      { n: 2 },
      "`output.n < 'a'`: `<` compares two numbers or two strings; got the number 2 from `output.n` and the string 'a'",
    ],
    [
      'output.rows < 1',
      { rows: [1, 2] },
      '`output.rows < 1`: `<` compares two numbers or two strings; got a list of 2 items from `output.rows`',
    ],
    [
      'output.m >= 1',
      { m: { a: 1 } },
      '`output.m >= 1`: `>=` compares two numbers or two strings; got a mapping with 1 key from `output.m`',
    ],
    [
      "contains(output.m, 'a')",
      { m: {} },
      "`contains(output.m, 'a')`: `contains` looks in a string or a list; got an empty mapping from `output.m`",
    ],
    [
      'contains(output.s, 1)',
      { s: 'abc' },
      '`contains(output.s, 1)`: `contains` looks for a string in a string; got the number 1',
    ],
    [
      "ends_with(output.s, 'x')",
      { s: true },
      "`ends_with(output.s, 'x')`: `ends_with` needs two strings; got true from `output.s`",
    ],
    [
      'output.eligible',
      { eligible: 'yes' },
      "`output.eligible`: a condition must be true or false; got the string 'yes'",
    ],
    [
      'output.eligible',
      {},
      '`output.eligible`: a condition must be true or false; got null from `output.eligible`, which does not resolve',
    ],
    [
      'output.s == 1 || output.s',
      { s: 'x'.repeat(61) },
      '`output.s == 1 || output.s`: `||` needs true or false on each side; got a string of 61 characters from `output.s`',
    ],
    [
      'output.s || true',
      { s: "it's" },
      "`output.s || true`: `||` needs true or false on each side; got the string 'it''s' from `output.s`",
    ],
  ];
  for (const [value, output, message] of cases) test(message, () => assert.equal(runtimeError(value, output), message));

  test('a long sub-expression is quoted shortened', () => {
    const value = `${Array.from({ length: 20 }, (_, i) => `output.f${i}`).join(' && ')} && output.s`;
    const output = Object.fromEntries([...Array.from({ length: 20 }, (_, i) => [`f${i}`, true]), ['s', 1]]);
    assert.equal(
      runtimeError(value, output),
      `\`${value.slice(0, 79)}…\`: \`&&\` needs true or false on each side; got the number 1 from \`output.s\``,
    );
  });

  test('a failed evaluation still lists what it read', () => {
    const outcome = evaluate('output.a > 1 && output.b', { a: 2, b: 'x' });
    assert.deepEqual(outcome.observed, [
      { text: 'output.a', value: 2 },
      { text: 'output.b', value: 'x' },
    ]);
  });
});

describe('a path that does not resolve is null', () => {
  const cases: [string, boolean][] = [
    ['steps.p.output.tier == null', true], // p was skipped
    ["steps.p.status == 'skipped'", true],
    ['steps.broken.output == null', true], // broken failed and was continued
    ['steps.profile.output.missing == null', true],
    ['steps.profile.output.tier == null', false],
    ['steps.profile.output.offers[7] == null', true],
    ['steps.profile.output.tier.deeper == null', true],
    ['inputs.not_given == null', true],
    ['vars.NOT_SET == null', true],
    ['steps.never.status == null', true],
    ['steps.p.output == null || length(steps.p.output) > 0', true],
  ];
  for (const [value, expected] of cases) test(`${value} is ${expected}`, () => assert.equal(valueOf(value), expected));

  test('output does not resolve when the caller gives none', () =>
    assert.equal(
      evaluateCondition(compiled('output == null && output.x == null'), { read: () => undefined }).ok,
      true,
    ));
});

describe('output exists only in expect:', () => {
  test('in if: it is an unknown root, placed on the path', () => {
    assert.deepEqual(problemsOf('${{ output.eligible == true }}', IF), [['expr.unknown_root', 4, 15]]);
    const [problem] = compileCondition('${{ output.eligible == true }}', IF).problems;
    assert.equal(problem?.message, "`output.eligible`: `output` is a step's own answer and exists only in `expect:`");
    assert.equal(problem?.hint, 'in `if:`, read an earlier step as `steps.<id>.output…`');
  });

  test('in expect: it reads the step’s own output, whole or by path', () => {
    const output = { eligible: true, offers: [{ id: 'a' }] };
    assert.equal(valueOf('${{ output.eligible == true }}', output), true);
    assert.equal(valueOf('${{ length(output.offers) > 0 }}', output), true);
    assert.equal(valueOf("output.offers[0].id == 'a'", output), true);
    assert.equal(valueOf("output['eligible']", output), true);
    assert.equal(valueOf('length(output) == 2', output), true);
  });

  test('a malformed output path is a syntax error', () =>
    assert.deepEqual(
      compileCondition('output.offers[x] == 1', EXPECT).problems.map((p) => [p.code, p.message, p.offset, p.length]),
      [['expr.syntax', '`output.offers[x]` has an invalid path at `[x]`; use `.name` or `[index]` segments', 0, 16]],
    ));
});

describe('paths follow the rules of ${{ }} references (SPEC 3.2)', () => {
  test('every path is returned in order, as a Reference the caller checks', () => {
    const { references } = compileCondition(
      "${{ steps.profile.status == 'success' && inputs['region'] != vars.X || contains(output.list, secrets.K) }}",
      EXPECT,
    );
    assert.deepEqual(references, [
      { text: 'steps.profile.status', root: 'steps', path: ['profile', 'status'] },
      { text: "inputs['region']", root: 'inputs', path: ['region'] },
      { text: 'vars.X', root: 'vars', path: ['X'] },
      { text: 'output.list', root: 'output', path: ['list'] },
      { text: 'secrets.K', root: 'secrets', path: ['K'] },
    ]);
  });

  test('references before a syntax error are still returned', () => {
    const { references, problems } = compileCondition('steps.later.status == 1 &&', IF);
    assert.deepEqual(
      references.map((r) => r.text),
      ['steps.later.status'],
    );
    assert.deepEqual(
      problems.map((p) => p.code),
      ['expr.syntax'],
    );
  });

  const shapes: [string, string, string, number, number][] = [
    [
      "env.HOME == 'x'",
      'chain.env_reference',
      "`env.HOME`: the runner's environment is not reachable from a chain; use `vars.HOME` and set CXCHAIN_VAR_HOME, or for a secret `secrets.HOME` and set CXCHAIN_SECRET_HOME",
      0,
      8,
    ],
    [
      "vars.my-var == 'x'",
      'chain.bad_variable_name',
      '`vars.my-var`: `my-var` cannot be part of an environment variable name (CXCHAIN_VAR_my-var); a name is a letter or `_` followed by letters, digits or `_`',
      0,
      11,
    ],
    [
      'steps.p.result == 1',
      'expr.syntax',
      '`steps.p.result`: after `steps.p` comes `.output` (optionally with a path) or `.status`',
      0,
      14,
    ],
    ["chain.name == 'x'", 'expr.syntax', '`chain.name`: the only field of `chain` is `chain.id`', 0, 10],
    ['inputs == 1', 'expr.syntax', '`inputs` needs a name: `inputs.NAME`', 0, 6],
    [
      'inputs.x[abc] == 1',
      'expr.syntax',
      '`inputs.x[abc]` has an invalid path at `[abc]`; use `.name` or `[index]` segments (no code is evaluated)',
      0,
      13,
    ],
    [
      'foo.bar == 1',
      'expr.syntax',
      '`foo.bar` starts with `foo`; an expression starts with one of inputs, steps, chain, run, vars, secrets',
      0,
      7,
    ],
  ];
  for (const [value, code, message, offset, length] of shapes)
    test(`${value}: ${code}`, () => {
      const [problem] = compileCondition(value, IF).problems;
      assert.deepEqual(
        [problem?.code, problem?.message, problem?.offset, problem?.length],
        [code, message, offset, length],
      );
    });

  test('every path problem is reported in one pass', () =>
    assert.deepEqual(problemsOf("${{ env.A == 'x' && output.y && steps.p.result }}", IF), [
      ['chain.env_reference', 4, 5],
      ['expr.unknown_root', 20, 8],
      ['expr.syntax', 32, 14],
    ]));
});

describe('prototype names are ordinary names', () => {
  const empty = {};
  const cases: [string, unknown, boolean][] = [
    ['output.constructor == null', empty, true],
    ['output.__proto__ == null', empty, true],
    ['output.toString == null', empty, true],
    ["output['hasOwnProperty'] == null", empty, true],
    ['output.items.length == null', { items: [1, 2] }, true],
    ["output.constructor == 'x'", { constructor: 'x' }, true],
    ['output.__proto__ == 1', JSON.parse('{"__proto__": 1}'), true],
    ['length(output) == 1', JSON.parse('{"__proto__": 1}'), true],
  ];
  for (const [value, output, expected] of cases)
    test(`${value} on ${JSON.stringify(output)} is ${expected}`, () => assert.equal(valueOf(value, output), expected));
});

describe('bounds: a hostile chain or answer cannot overflow the stack', () => {
  const nest = (n: number) => `${'('.repeat(n)}true${')'.repeat(n)}`;

  test(`${MAX_CONDITION_NESTING} levels of parentheses parse; one more is a syntax error at the extra one`, () => {
    assert.equal(valueOf(nest(MAX_CONDITION_NESTING)), true);
    assert.deepEqual(problemsOf(nest(MAX_CONDITION_NESTING + 1)), [['expr.syntax', MAX_CONDITION_NESTING, 1]]);
    assert.equal(
      messageOf(nest(MAX_CONDITION_NESTING + 1)),
      'the condition nests more than 64 levels of `(`, `!` and function calls',
    );
  });

  test('`!` and function calls count as nesting too', () => {
    assert.equal(valueOf(`${'!'.repeat(64)}true`), true);
    assert.deepEqual(problemsOf(`${'!'.repeat(65)}true`), [['expr.syntax', 64, 1]]);
    const calls = (n: number) => `${'length('.repeat(n)}'x'${')'.repeat(n)} > 0`;
    assert.deepEqual(problemsOf(calls(65)), [['expr.syntax', 64 * 7 + 6, 1]]);
  });

  test('100,000 parentheses are one syntax error, not a crash', () =>
    assert.deepEqual(problemsOf(nest(100_000)), [['expr.syntax', 64, 1]]));

  test('a long chain of && stays shallow', () => {
    const value = Array.from({ length: 50_000 }, () => 'inputs.flag').join(' && ');
    const condition = compiled(value);
    assert.ok(condition.root.kind === 'and' && condition.root.operands.length === 50_000);
    assert.equal(evaluateCondition(condition, { read: readFromRun }).ok, true);
  });

  /** A list nested `depth` levels: [[[…[leaf]…]]]. */
  function deep(depth: number, leaf: unknown): unknown {
    let value = leaf;
    for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { k: value };
    return value;
  }

  test('deep equality and contains over answers nested 100,000 levels', () => {
    const output = { a: deep(100_000, 1), b: deep(100_000, 1), c: deep(100_000, 2), list: [0, deep(100_000, 1)] };
    assert.equal(valueOf('output.a == output.b', output), true);
    assert.equal(valueOf('output.a == output.c', output), false);
    assert.equal(valueOf('contains(output.list, output.b)', output), true);
    assert.equal(valueOf('contains(output.list, output.c)', output), false);
  });
});

describe('observed values, for the messages of an expectation', () => {
  test('each path and call once, in the order read, with its value', () => {
    const outcome = evaluate('${{ output.eligible == true && length(output.offers) > 0 && output.eligible }}', {
      eligible: false,
      offers: [],
    });
    assert.deepEqual(outcome, { ok: true, value: false, observed: [{ text: 'output.eligible', value: false }] });
    const offers = evaluate('${{ length(output.offers) > 0 }}', { offers: ['a'] });
    assert.deepEqual(offers.observed, [
      { text: 'output.offers', value: ['a'] },
      { text: 'length(output.offers)', value: 1 },
    ]);
  });

  test('a path that does not resolve is observed as null, marked unresolved', () =>
    assert.deepEqual(evaluate('steps.p.output.tier == null').observed, [
      { text: 'steps.p.output.tier', value: null, unresolved: true },
    ]));

  test('a literal condition observes nothing', () =>
    assert.deepEqual(evaluateCondition(compiled(true), { read: readFromRun }), {
      ok: true,
      value: true,
      observed: [],
    }));
});
