import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { createSimulator, type Simulator } from '../src/sim/index.js';
import { runCli, runOnTerminal, simulatorEnv, tempDir } from './helpers.js';

// SPEC 3.3 and 3.5 in every output a person or a CI system reads: a child's steps under the chain
// step that ran them, condition skips with their `if:`. Spawned CLI, a real simulator.

/** A tree: `p` uses `mid` twice, `q` uses it too (a diamond), `mid` uses `leaf` (three levels). */
const TREE = {
  'p.yaml':
    "version: 1\nchain_id: p\nsteps:\n  - id: first\n    action_id: da-echo\n  - id: crm1\n    uses: ./lib/mid.yaml\n  - id: crm2\n    uses: ./lib/mid.yaml\n  - id: never\n    if: ${{ steps.first.status == 'failed' }}\n    action_id: da-echo\n",
  'q.yaml':
    'version: 1\nchain_id: q\nsteps:\n  - id: go\n    uses: ./lib/mid.yaml\n  - id: again\n    uses: ./lib/retry.yaml\n',
  'lib/mid.yaml':
    'version: 1\nchain_id: mid\ncall_only: true\nsteps:\n  - id: slow\n    action_id: da-slow\n  - id: inner\n    uses: ./leaf.yaml\n',
  'lib/leaf.yaml': 'version: 1\nchain_id: leaf\ncall_only: true\nsteps:\n  - id: ping\n    action_id: da-echo\n',
  'lib/retry.yaml':
    'version: 1\nchain_id: retry\ncall_only: true\ndefaults:\n  retry: { max_attempts: 2, initial_delay_ms: 400, max_delay_ms: 400 }\nsteps:\n  - id: flaky\n    action_id: da-flaky\n',
};

/** A child that fails: its `update` answers `{ synced: false }`, which its `expect:` refuses. */
const FAILING = {
  'onboard.yaml':
    "version: 1\nchain_id: onboard\nsteps:\n  - id: profile\n    action_id: da-echo\n  - id: upgrade\n    if: ${{ steps.profile.status == 'failed' }}\n    action_id: da-echo\n  - id: crm\n    uses: ./lib/crm.yaml\n    with: { tier: gold }\n",
  'lib/crm.yaml':
    'version: 1\nchain_id: crm-sync\ncall_only: true\ninputs:\n  tier: { type: string, required: true }\nsteps:\n  - id: lookup\n    action_id: da-echo\n  - id: update\n    action_id: da-update-crm\n    payload: { tier: "${{ inputs.tier }}" }\n    expect:\n      - ${{ output.synced == true }}\n  - id: notify\n    action_id: da-echo\n',
};

/** Durations vary from run to run: `(200, 12 ms)` reads `(200, T)`, `in 1.23 s` reads `in T`. */
const timeless = (text: string) => text.replace(/\d+(\.\d+)? m?s\b/g, 'T');

const EXPECTED_MESSAGE = 'expectation `output.synced == true` does not hold: output.synced is false';
const EXPECTED_HINT =
  'the action answered, but not as `expect:` requires: check the answer (--show-responses) or the expectation';
const EXPECTATION = `${EXPECTED_MESSAGE} — hint: ${EXPECTED_HINT}`;

/** The recap of the failing child (issue 16), as both renderers end: the job summary's words, then what it stopped. */
const RECAP = [
  '',
  'Failures (2):',
  '  ✖ onboard › crm (./lib/crm.yaml) at onboard.yaml:9: kind child_failed, HTTP 200, 2 requests',
  `      crm-sync (lib/crm.yaml) ended early (abort): step update failed — ${EXPECTED_MESSAGE}`,
  `      hint: ${EXPECTED_HINT}`,
  '  ✖ onboard › crm › update (da-update-crm) at lib/crm.yaml:9: kind expectation, HTTP 200, 1 attempt',
  `      ${EXPECTED_MESSAGE}`,
  `      hint: ${EXPECTED_HINT}`,
  '  ↓ onboard › crm: not run, an earlier step failed: notify',
];

let sim: Simulator;
let env: NodeJS.ProcessEnv;
let dir: string;
let cleanup: () => Promise<void>;

before(async () => {
  sim = await createSimulator({
    actions: {
      'da-slow': { body: { ok: true }, latency_ms: 500 },
      'da-flaky': {
        body: { ok: true },
        sequence: [
          { status: 503, body: { message: 'busy' } },
          { body: { ok: true }, latency_ms: 300 },
        ],
      },
      'da-update-crm': { body: { synced: false } },
    },
  });
  env = {
    ...simulatorEnv(sim, 'nested-test', 'nested-secret-value'),
  };
  ({ dir, cleanup } = await tempDir({ ...TREE, ...FAILING }));
});
after(async () => {
  await sim.close();
  await cleanup();
});
beforeEach(() => sim.reset());

describe('plain lines without a terminal: a child indented under its chain step', () => {
  test('one chain: the exact lines, three levels deep, the condition skip with its if:', async () => {
    const r = await runCli(['run', 'p.yaml'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(r.stderr, '');
    assert.deepEqual(timeless(r.stdout).split('\n'), [
      '❯ p p.yaml',
      '❯ first (da-echo)',
      '✔ first (da-echo) — passed (200, T)',
      '❯ crm1 (./lib/mid.yaml)',
      '  ❯ mid lib/mid.yaml',
      '  ❯ slow (da-slow)',
      '  ✔ slow (da-slow) — passed (200, T)',
      '  ❯ inner (./leaf.yaml)',
      '    ❯ leaf lib/leaf.yaml',
      '    ❯ ping (da-echo)',
      '    ✔ ping (da-echo) — passed (200, T)',
      '    ✔ leaf lib/leaf.yaml — completed: 1 passed in T (completion rate 100%)',
      '  ✔ inner (./leaf.yaml) — passed (T)',
      '  ✔ mid lib/mid.yaml — completed: 2 passed in T (completion rate 100%)',
      '✔ crm1 (./lib/mid.yaml) — passed (T)',
      '❯ crm2 (./lib/mid.yaml)',
      '  ❯ mid lib/mid.yaml',
      '  ❯ slow (da-slow)',
      '  ✔ slow (da-slow) — passed (200, T)',
      '  ❯ inner (./leaf.yaml)',
      '    ❯ leaf lib/leaf.yaml',
      '    ❯ ping (da-echo)',
      '    ✔ ping (da-echo) — passed (200, T)',
      '    ✔ leaf lib/leaf.yaml — completed: 1 passed in T (completion rate 100%)',
      '  ✔ inner (./leaf.yaml) — passed (T)',
      '  ✔ mid lib/mid.yaml — completed: 2 passed in T (completion rate 100%)',
      '✔ crm2 (./lib/mid.yaml) — passed (T)',
      "↓ never (da-echo) — skipped: condition steps.first.status == 'failed' is false",
      '✔ p p.yaml — completed: 3 passed, 1 skipped in T (completion rate 75%)',
      '1 chain: 1 completed; 3 steps run in T',
      '',
    ]);
  });

  test('a failing child: its failed step, the steps it stopped, the chain step that failed with it', async () => {
    const r = await runCli(['run', 'onboard.yaml'], { cwd: dir, env });
    assert.equal(r.code, 1, r.stderr + r.stdout);
    assert.deepEqual(timeless(r.stdout).split('\n'), [
      '❯ onboard onboard.yaml',
      '❯ profile (da-echo)',
      '✔ profile (da-echo) — passed (200, T)',
      "↓ upgrade (da-echo) — skipped: condition steps.profile.status == 'failed' is false",
      '❯ crm (./lib/crm.yaml)',
      '  ❯ crm-sync lib/crm.yaml',
      '  ❯ lookup (da-echo)',
      '  ✔ lookup (da-echo) — passed (200, T)',
      '  ❯ update (da-update-crm)',
      `  ✖ update (da-update-crm) — failed after 1 attempt (T): ${EXPECTATION}`,
      '  ↓ notify (da-echo) — skipped: an earlier step failed',
      '  ✖ crm-sync lib/crm.yaml — terminated early (abort): 1 passed, 1 failed, 1 skipped in T (completion rate 33.33%)',
      `✖ crm (./lib/crm.yaml) — failed (T): crm-sync (lib/crm.yaml) ended early (abort): step update failed — ${EXPECTATION}`,
      '✖ onboard onboard.yaml — terminated early (abort): 1 passed, 1 failed, 1 skipped in T (completion rate 33.33%)',
      ...RECAP,
      '1 chain: 0 completed, 1 terminated early; 2 steps run in T',
      '',
    ]);
  });

  test('several chains at once, a child run by both (a diamond): every line of a child names where it runs', async () => {
    const r = await runCli(['run', 'p.yaml', 'q.yaml'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const lines = timeless(r.stdout).split('\n');
    const slow = lines.filter((l) => l.includes('slow (da-slow) — passed'));
    assert.deepEqual(slow.sort(), [
      '  ✔ p › crm1 › slow (da-slow) — passed (200, T)',
      '  ✔ p › crm2 › slow (da-slow) — passed (200, T)',
      '  ✔ q › go › slow (da-slow) — passed (200, T)',
    ]);
    assert.ok(lines.includes('    ✔ q › go › inner › ping (da-echo) — passed (200, T)'), r.stdout);
    assert.ok(lines.includes('  ✔ q › again › flaky (da-flaky) — passed after 2 attempts (200, T)'), r.stdout);
    assert.ok(lines.includes('  ❯ p › crm2 › mid lib/mid.yaml'), r.stdout);
    assert.match(
      r.stdout,
      /^ {2}↻ q › again › flaky \(da-flaky\) — attempt 1 failed \(503\); waiting 0\.\d s \(backoff\)$/m,
    );
    assert.equal(lines.at(-2), '2 chains: 2 completed; 5 steps run in T');
  });
});

// The live tree needs a terminal: util-linux `script` gives the CLI a pseudo-terminal.
const hasScript = process.platform === 'linux' && spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

/** Runs the CLI on a pseudo-terminal 500 columns wide (no line wraps); the frames it drew, plain text, and its exit code. */
describe(
  'the live tree on a terminal: a child nested under its chain step',
  { skip: !hasScript && 'needs util-linux script' },
  () => {
    test('live: the child steps under the running chain step, with their states; at the end, every level', async () => {
      const r = await runOnTerminal(['run', 'p.yaml'], { cwd: dir, env });
      assert.equal(r.code, 0, r.raw);
      assert.ok(
        r.frames.some((f) =>
          /^ {2}\S crm1 \(\.\/lib\/mid\.yaml\)\n {4}❯ slow \(da-slow\) — \d+\.\d s \/ \d+(\.\d)? s\n {4}◼ inner \(\.\/leaf\.yaml\)\n {2}◼ crm2 \(\.\/lib\/mid\.yaml\)$/m.test(
            f,
          ),
        ),
        `no frame shows crm1's child running:\n${r.frames.join('\n-----\n')}`,
      );
      assert.ok(
        r.frames.some((f) =>
          /^ {2}✔ crm1 .*\n {4}✔ slow .*\n {4}✔ inner .*\n {6}✔ ping .*\n {2}\S crm2 \(\.\/lib\/mid\.yaml\)\n {4}❯ slow \(da-slow\) — \d+\.\d s \/ \d+(\.\d)? s$/m.test(
            f,
          ),
        ),
        `no frame shows crm2's child running after crm1's:\n${r.frames.join('\n-----\n')}`,
      );
      assert.deepEqual(timeless(r.frames.at(-1) ?? '').split('\n'), [
        '✔ p p.yaml — completed: 3 passed, 1 skipped in T (completion rate 75%)',
        '  ✔ first (da-echo) — passed (200, T)',
        '  ✔ crm1 (./lib/mid.yaml) — passed (T)',
        '    ✔ slow (da-slow) — passed (200, T)',
        '    ✔ inner (./leaf.yaml) — passed (T)',
        '      ✔ ping (da-echo) — passed (200, T)',
        '  ✔ crm2 (./lib/mid.yaml) — passed (T)',
        '    ✔ slow (da-slow) — passed (200, T)',
        '    ✔ inner (./leaf.yaml) — passed (T)',
        '      ✔ ping (da-echo) — passed (200, T)',
        "  ↓ never (da-echo) — skipped: condition steps.first.status == 'failed' is false",
        '1 chain: 1 completed; 3 steps run in T',
        '',
      ]);
    });

    test('two chains at once sharing a child (a diamond): each under its own chain step, a retry wait shown live', async () => {
      const r = await runOnTerminal(['run', 'p.yaml', 'q.yaml'], { cwd: dir, env });
      assert.equal(r.code, 0, r.raw);
      assert.ok(
        r.frames.some(
          (f) =>
            /^ {2}\S crm1 .*\n {4}❯ slow \(da-slow\) — \d+\.\d s \/ \d+(\.\d)? s$/m.test(f) &&
            /^ {2}\S go .*\n {4}❯ slow \(da-slow\) — \d+\.\d s \/ \d+(\.\d)? s$/m.test(f),
        ),
        `no frame shows both parents running the child:\n${r.frames.join('\n-----\n')}`,
      );
      assert.ok(
        r.frames.some((f) =>
          /^ {2}\S again \(\.\/lib\/retry\.yaml\)\n {4}❯ flaky \(da-flaky\) — attempt 1 failed \(503\); waiting 0\.\d s \(backoff\)$/m.test(
            f,
          ),
        ),
        `no frame shows the retry wait:\n${r.frames.join('\n-----\n')}`,
      );
      assert.ok(
        r.frames.some((f) => /^ {4}❯ flaky \(da-flaky\) — attempt 2, \d+\.\d s \/ \d+(\.\d)? s$/m.test(f)),
        `no frame shows the second attempt:\n${r.frames.join('\n-----\n')}`,
      );
      assert.deepEqual(timeless(r.frames.at(-1) ?? '').split('\n'), [
        '✔ p p.yaml — completed: 3 passed, 1 skipped in T (completion rate 75%)',
        '  ✔ first (da-echo) — passed (200, T)',
        '  ✔ crm1 (./lib/mid.yaml) — passed (T)',
        '    ✔ slow (da-slow) — passed (200, T)',
        '    ✔ inner (./leaf.yaml) — passed (T)',
        '      ✔ ping (da-echo) — passed (200, T)',
        '  ✔ crm2 (./lib/mid.yaml) — passed (T)',
        '    ✔ slow (da-slow) — passed (200, T)',
        '    ✔ inner (./leaf.yaml) — passed (T)',
        '      ✔ ping (da-echo) — passed (200, T)',
        "  ↓ never (da-echo) — skipped: condition steps.first.status == 'failed' is false",
        '✔ q q.yaml — completed: 2 passed in T (completion rate 100%)',
        '  ✔ go (./lib/mid.yaml) — passed (T)',
        '    ✔ slow (da-slow) — passed (200, T)',
        '    ✔ inner (./leaf.yaml) — passed (T)',
        '      ✔ ping (da-echo) — passed (200, T)',
        '  ✔ again (./lib/retry.yaml) — passed (T)',
        '    ✔ flaky (da-flaky) — passed after 2 attempts (200, T)',
        '2 chains: 2 completed; 5 steps run in T',
        '',
      ]);
    });

    test('a failing child: the chain step fails with its cause on its line, the child steps under it', async () => {
      const r = await runOnTerminal(['run', 'onboard.yaml'], { cwd: dir, env });
      assert.equal(r.code, 1, r.raw);
      assert.deepEqual(timeless(r.frames.at(-1) ?? '').split('\n'), [
        '✖ onboard onboard.yaml — terminated early (abort): 1 passed, 1 failed, 1 skipped in T (completion rate 33.33%)',
        '  ✔ profile (da-echo) — passed (200, T)',
        "  ↓ upgrade (da-echo) — skipped: condition steps.profile.status == 'failed' is false",
        `  ✖ crm (./lib/crm.yaml) — failed (T): crm-sync (lib/crm.yaml) ended early (abort): step update failed — ${EXPECTATION}`,
        '    ✔ lookup (da-echo) — passed (200, T)',
        `    ✖ update (da-update-crm) — failed after 1 attempt (T): ${EXPECTATION}`,
        '    ↓ notify (da-echo) — skipped: an earlier step failed',
        ...RECAP,
        '1 chain: 0 completed, 1 terminated early; 2 steps run in T',
        '',
      ]);
    });
  },
);

interface JunitCase {
  name: string;
  classname: string;
  file: string;
  line: string;
  failure?: { type: string; message: string };
  skipped?: { message: string };
  'system-out'?: string;
}

const junitParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  htmlEntities: true,
  isArray: (name) => ['testsuite', 'testcase'].includes(name),
});

describe('reports: JUnit cases, JSON results and JSON lines of a child', () => {
  test("JUnit: a child's steps are cases of the parent's suite, named by the chain steps above, in the child's file", async () => {
    const r = await runCli(['run', 'p.yaml', 'onboard.yaml', '--report', 'junit=out/junit.xml'], { cwd: dir, env });
    assert.equal(r.code, 1, r.stderr + r.stdout);
    const xml = await readFile(join(dir, 'out/junit.xml'), 'utf8');
    assert.equal(XMLValidator.validate(xml), true, xml);
    const doc = junitParser.parse(xml) as {
      testsuites: Record<string, string> & {
        testsuite: (Record<string, string> & { testcase: JunitCase[] })[];
      };
    };
    const suites = doc.testsuites.testsuite;
    const suite = (name: string) => suites.find((s) => s.name === name);
    const cases = (name: string) => suite(name)?.testcase.map((c) => [c.name, c.file, c.line, c.classname]);
    assert.deepEqual(cases('p'), [
      ['first', 'p.yaml', '4', 'p'],
      ['crm1', 'p.yaml', '6', 'p'],
      ['crm1 › slow', 'lib/mid.yaml', '5', 'p'],
      ['crm1 › inner', 'lib/mid.yaml', '7', 'p'],
      ['crm1 › inner › ping', 'lib/leaf.yaml', '5', 'p'],
      ['crm2', 'p.yaml', '8', 'p'],
      ['crm2 › slow', 'lib/mid.yaml', '5', 'p'],
      ['crm2 › inner', 'lib/mid.yaml', '7', 'p'],
      ['crm2 › inner › ping', 'lib/leaf.yaml', '5', 'p'],
      ['never', 'p.yaml', '10', 'p'],
    ]);
    assert.deepEqual(
      [suite('p')?.tests, suite('p')?.failures, suite('p')?.skipped],
      ['10', '0', '1'],
      'the counts take in the children',
    );
    assert.deepEqual(suite('p')?.testcase[9]?.skipped, { message: "condition: steps.first.status == 'failed'" });
    assert.equal(
      suite('p')?.testcase[1]?.['system-out'],
      undefined,
      "a chain step's two requests are its child's, not a retry of its own",
    );

    const onboard = suite('onboard');
    const onboardFile = 'onboard.yaml';
    const childFile = 'lib/crm.yaml';
    assert.deepEqual(
      onboard?.testcase.map((c) => [
        c.name,
        c.file,
        c.failure?.type ?? (c.skipped ? `skipped: ${c.skipped.message}` : 'passed'),
      ]),
      [
        ['profile', onboardFile, 'passed'],
        ['upgrade', onboardFile, "skipped: condition: steps.profile.status == 'failed'"],
        ['crm', onboardFile, 'child_failed'],
        ['crm › lookup', childFile, 'passed'],
        ['crm › update', childFile, 'expectation'],
        ['crm › notify', childFile, 'skipped: skipped (abort): an earlier step failed'],
      ],
    );
    assert.deepEqual([onboard?.tests, onboard?.failures, onboard?.skipped], ['6', '2', '2']);
    assert.deepEqual(
      [doc.testsuites.tests, doc.testsuites.failures, doc.testsuites.errors, doc.testsuites.skipped],
      ['16', '2', '0', undefined],
      "the root's totals; skipped is counted per suite (Jenkins' schema has none on the root)",
    );
  });

  test('JSON report: the child run nested in its chain step (aggregated_responses[i].child), down to the grandchild', async () => {
    const r = await runCli(['run', 'p.yaml', '--report', 'json=out/report.json'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    interface Result {
      chain_id: string;
      file: string;
      final_status: string;
      outputs: unknown;
      aggregated_responses: {
        step_id: string;
        status: string;
        uses?: string;
        action_id: string | null;
        child?: Result;
      }[];
    }
    const report = JSON.parse(await readFile(join(dir, 'out/report.json'), 'utf8')) as { results: Result[] };
    const [p] = report.results;
    assert.equal(report.results.length, 1, 'a child is not a result of its own');
    const crm1 = p?.aggregated_responses[1];
    assert.deepEqual(
      [crm1?.step_id, crm1?.uses, crm1?.action_id, crm1?.status],
      ['crm1', './lib/mid.yaml', null, 'success'],
    );
    assert.deepEqual(
      [crm1?.child?.chain_id, crm1?.child?.file, crm1?.child?.final_status],
      ['mid', 'lib/mid.yaml', 'completed'],
    );
    assert.deepEqual(
      crm1?.child?.aggregated_responses.map((s) => s.step_id),
      ['slow', 'inner'],
    );
    const leaf = crm1?.child?.aggregated_responses[1]?.child;
    assert.deepEqual(
      [leaf?.chain_id, leaf?.file, leaf?.aggregated_responses[0]?.step_id],
      ['leaf', 'lib/leaf.yaml', 'ping'],
    );
    assert.equal(p?.aggregated_responses[2]?.child?.file, 'lib/mid.yaml', 'crm2 has its own child run');
    assert.notEqual(p?.aggregated_responses[2]?.child, undefined);
  });

  test("--renderer json: a child's events carry the child's chain_id and file and the chain steps above it", async () => {
    const r = await runCli(['run', 'p.yaml', '--renderer', 'json'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as { type: string; chain_id: string; file: string; step_id?: string; parent?: unknown },
      );
    const ping = events.find((e) => e.type === 'step_end' && e.step_id === 'ping');
    assert.deepEqual(
      [ping?.chain_id, ping?.file, ping?.parent],
      [
        'leaf',
        'lib/leaf.yaml',
        [
          { chain_id: 'p', file: 'p.yaml', step_id: 'crm1' },
          { chain_id: 'mid', file: 'lib/mid.yaml', step_id: 'inner' },
        ],
      ],
    );
    const starts = events.filter((e) => e.type === 'chain_start').map((e) => [e.chain_id, e.file, e.parent]);
    assert.deepEqual(starts, [
      ['p', 'p.yaml', undefined],
      ['mid', 'lib/mid.yaml', [{ chain_id: 'p', file: 'p.yaml', step_id: 'crm1' }]],
      [
        'leaf',
        'lib/leaf.yaml',
        [
          { chain_id: 'p', file: 'p.yaml', step_id: 'crm1' },
          { chain_id: 'mid', file: 'lib/mid.yaml', step_id: 'inner' },
        ],
      ],
      ['mid', 'lib/mid.yaml', [{ chain_id: 'p', file: 'p.yaml', step_id: 'crm2' }]],
      [
        'leaf',
        'lib/leaf.yaml',
        [
          { chain_id: 'p', file: 'p.yaml', step_id: 'crm2' },
          { chain_id: 'mid', file: 'lib/mid.yaml', step_id: 'inner' },
        ],
      ],
    ]);
    assert.equal(
      timeless(r.stderr),
      'p: completed: 3 passed, 1 skipped in T (completion rate 75%)\n1 chain: 1 completed; 3 steps run in T\n',
      "stderr sums up the chains of the run; a child's outcome is its chain step's",
    );
  });
});

describe('GitHub Actions: a failing child step annotated in the child file, listed in the summary', () => {
  test('the annotation at the child step line, the chain step at its own, the summary rows', async () => {
    const summary = join(dir, 'summary.md');
    const r = await runCli(['run', 'onboard.yaml', '--renderer', 'simple'], {
      cwd: dir,
      env: {
        ...env,
        GITHUB_ACTIONS: 'true',
        GITHUB_WORKSPACE: dir,
        GITHUB_STEP_SUMMARY: summary,
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: 'acme/chains',
        GITHUB_SHA: 'abc123',
      },
    });
    assert.equal(r.code, 1, r.stderr + r.stdout);
    const commands = r.stdout.split('\n').filter((line) => line.startsWith('::') && !line.startsWith('::add-mask::'));
    const expectation =
      'expectation `output.synced == true` does not hold: output.synced is false%0Ahint: the action answered, but not as `expect:` requires: check the answer (--show-responses) or the expectation';
    assert.deepEqual(commands, [
      `::error file=onboard.yaml,line=9,col=5,title=onboard › crm failed (child_failed)::crm-sync (lib/crm.yaml) ended early (abort): step update failed — ${expectation}`,
      `::error file=lib/crm.yaml,line=9,col=5,title=onboard › crm › update failed (expectation)::${expectation}`,
    ]);
    const md = await readFile(summary, 'utf8');
    assert.match(
      md,
      /^\| ❌ \| `onboard` \| `onboard\.yaml` \| terminated early \(abort\) \| 1\/3 passed, 1 failed, 1 skipped \| [\d.]+ m?s \|$/m,
    );
    assert.match(
      md,
      /^- ❌ \*\*onboard › crm › update\*\* \(`da-update-crm`\) at \[`lib\/crm\.yaml:9`\]\(https:\/\/github\.com\/acme\/chains\/blob\/abc123\/lib\/crm\.yaml#L9\): kind `expectation`, HTTP 200, 1 attempt$/m,
    );
    assert.match(
      md,
      /^- ❌ \*\*onboard › crm\*\* \(`\.\/lib\/crm\.yaml`\) at \[`onboard\.yaml:9`\]\(https:\/\/github\.com\/acme\/chains\/blob\/abc123\/onboard\.yaml#L9\): kind `child\\?_failed`, HTTP 200, 2 requests$/m,
    );
  });
});
