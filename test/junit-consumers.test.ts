// The JUnit report as its consumers read it (issue 15, point 4): real CLI output of a run with
// passes, failures, errors, skips and a child chain, of an empty shard and of invalid chains,
// validated against Jenkins' junit-10.xsd with xmllint and read back by a second, independent
// JUnit parser (python3-junitparser, Debian's package), whose view must agree with cxchain's own
// results. Both tools are Debian packages: set-up installs them when it can (as root), else the
// tests that need them are skipped with the package named.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ChainResult, StepResult } from '../src/engine/index.js';
import { createSimulator, type Simulator } from '../src/sim/index.js';
import { ROOT, runCli, simulatorEnv, tempDir } from './helpers.js';

const XSD = join(ROOT, 'test/fixtures/jenkins-junit-10.xsd');
/** Debian's interpreter: python3-junitparser installs into its dist-packages, not into another python3 on the PATH. */
const DEBIAN_PYTHON = '/usr/bin/python3';

const works = (command: string, args: string[]) =>
  spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 }).status === 0;
const hasXmllint = () => works('xmllint', ['--version']);
const hasJunitparser = () => works(DEBIAN_PYTHON, ['-c', 'import junitparser']);

/** Installs what is missing with apt-get when running as root; returns a skip reason per tool, or false. */
function ensureTools(): { xmllint: string | false; junitparser: string | false } {
  const missing = [...(hasXmllint() ? [] : ['libxml2-utils']), ...(hasJunitparser() ? [] : ['python3-junitparser'])];
  if (missing.length > 0 && process.getuid?.() === 0 && works('apt-get', ['--version'])) {
    const quiet = {
      stdio: 'ignore' as const,
      timeout: 300_000,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    };
    if (spawnSync('apt-get', ['update'], quiet).status === 0)
      spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], quiet);
  }
  return {
    xmllint: !hasXmllint() && 'needs xmllint: install the Debian package libxml2-utils',
    junitparser:
      !hasJunitparser() && `needs junitparser for ${DEBIAN_PYTHON}: install the Debian package python3-junitparser`,
  };
}

const tools = ensureTools();

/**
 * Jenkins' schema predates `file` and `line` on `<testcase>`, which the GitHub report actions read
 * to place annotations (mikepenz/action-junit-report, dorny/test-reporter): those two attributes,
 * and nothing else, are taken out before validating. Attribute values are escaped, so `>` cannot
 * occur inside an open tag.
 */
function withoutFileAndLine(xml: string): string {
  return xml.replace(/<testcase\b[^>]*>/g, (tag) => tag.replace(/ (?:file|line)="[^"]*"/g, ''));
}

async function validateWithXsd(xml: string, dir: string, name: string): Promise<void> {
  const path = join(dir, `${name}.stripped.xml`);
  await writeFile(path, withoutFileAndLine(xml));
  const r = spawnSync('xmllint', ['--noout', '--schema', XSD, path], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `${name} does not validate against junit-10.xsd:\n${r.stderr}`);
}

/** What python3-junitparser makes of a file: the root's and each suite's counts, properties and cases. */
const READ_WITH_JUNITPARSER = `
import json, sys
from junitparser import JUnitXml, TestSuite
xml = JUnitXml.fromfile(sys.argv[1])
suites = [xml] if isinstance(xml, TestSuite) else list(xml)
def case_of(c):
    kinds = [type(r).__name__.lower() for r in c.result]
    first = c.result[0] if c.result else None
    return {"name": c.name, "classname": c.classname, "time": c.time, "results": kinds,
            "type": first.type if first is not None else None, "message": first.message if first is not None else None}
print(json.dumps({
    "root": {"tag": "testsuite" if isinstance(xml, TestSuite) else "testsuites",
             "tests": xml.tests, "failures": xml.failures, "errors": xml.errors},
    "suites": [{"name": s.name, "tests": s.tests, "failures": s.failures, "errors": s.errors, "skipped": s.skipped,
                "properties": [p.name for p in s.properties()], "cases": [case_of(c) for c in s]} for s in suites],
}))
`;

interface ParsedCase {
  name: string;
  classname: string;
  time: number;
  results: string[];
  type: string | null;
  message: string | null;
}
interface ParsedSuite {
  name: string;
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  properties: string[];
  cases: ParsedCase[];
}
interface Parsed {
  root: { tag: string; tests: number; failures: number; errors: number };
  suites: ParsedSuite[];
}

function readWithJunitparser(file: string): Parsed {
  const r = spawnSync(DEBIAN_PYTHON, ['-c', READ_WITH_JUNITPARSER, file], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `junitparser could not read ${file}:\n${r.stderr}`);
  return JSON.parse(r.stdout) as Parsed;
}

/** The outcome of one case as junitparser reports it: its single result element, or passed. */
function outcome(c: ParsedCase): string {
  assert.ok(c.results.length <= 1, `${c.name}: one result element at most, got ${c.results.join(', ')}`);
  return c.results[0] ?? 'passed';
}

/** cxchain's own view of a chain: every step, a child's under its chain step, named as SPEC 3.3 says. */
function stepsOf(chain: ChainResult, above: readonly string[] = []): { name: string; step: StepResult }[] {
  return chain.aggregated_responses.flatMap((step) => [
    { name: [...above, step.step_id].join(' › '), step },
    ...(step.child ? stepsOf(step.child, [...above, step.step_id]) : []),
  ]);
}

const neverRan = (s: StepResult) => s.status === 'skipped' || (s.status === 'cancelled' && s.started_at === null);

const CHAINS = {
  // Every infrastructure kind the simulator can cause without a wait, a failure of the step's own, a skip.
  'chains/alpha.yaml': `version: 1
chain_id: alpha
defaults:
  retry: { max_attempts: 1 }
  on_failure: continue
steps:
  - id: profile
    action_id: da-echo
  - id: denied
    action_id: da-denied
  - id: garbage
    action_id: da-garbage
  - id: cut
    action_id: da-reset
  - id: check
    action_id: da-echo
    expect:
      - \${{ output.echo == 'never' }}
  - id: never
    if: \${{ steps.profile.status == 'failed' }}
    action_id: da-echo
`,
  // A child that fails with the action's own 404, the chain step that fails with it, steps skipped after.
  'chains/beta.yaml': `version: 1
chain_id: beta
defaults:
  retry: { max_attempts: 1 }
steps:
  - id: first
    action_id: da-echo
  - id: crm
    uses: ./lib/crm.yaml
  - id: last
    action_id: da-echo
`,
  'chains/lib/crm.yaml': `version: 1
chain_id: crm-sync
call_only: true
defaults:
  retry: { max_attempts: 1 }
steps:
  - id: lookup
    action_id: da-echo
  - id: update
    action_id: da-missing
  - id: notify
    action_id: da-echo
`,
  'chains/gamma.yaml': 'version: 1\nchain_id: gamma\nsteps:\n  - id: ok\n    action_id: da-echo\n',
};

/** Per suite: each case's name, file, line and outcome as a consumer must see it. */
const EXPECTED: Record<string, [string, string, string, string][]> = {
  alpha: [
    ['profile', 'chains/alpha.yaml', '7', 'passed'],
    ['denied', 'chains/alpha.yaml', '9', 'error auth'],
    ['garbage', 'chains/alpha.yaml', '11', 'error invalid_response'],
    ['cut', 'chains/alpha.yaml', '13', 'error network'],
    ['check', 'chains/alpha.yaml', '15', 'failure expectation'],
    ['never', 'chains/alpha.yaml', '19', 'skipped'],
  ],
  beta: [
    ['first', 'chains/beta.yaml', '6', 'passed'],
    ['crm', 'chains/beta.yaml', '8', 'failure child_failed'],
    ['crm › lookup', 'chains/lib/crm.yaml', '7', 'passed'],
    ['crm › update', 'chains/lib/crm.yaml', '9', 'failure http'],
    ['crm › notify', 'chains/lib/crm.yaml', '11', 'skipped'],
    ['last', 'chains/beta.yaml', '10', 'skipped'],
  ],
  gamma: [['ok', 'chains/gamma.yaml', '4', 'passed']],
};

describe('JUnit as its consumers read it (issue 15, point 4)', () => {
  let sim: Simulator;
  let dir: string;
  let cleanup: () => Promise<void>;
  let env: NodeJS.ProcessEnv;
  let xml: string;
  let results: ChainResult[];

  before(async () => {
    sim = await createSimulator({
      actions: {
        'da-denied': { status: 403, body: { message: 'not allowed' } },
        'da-garbage': { raw: 'this is not JSON' },
        'da-reset': { reset: true },
      },
    });
    ({ dir, cleanup } = await tempDir(CHAINS));
    env = {
      ...simulatorEnv(sim, 'junit-consumers', 'junit-consumers-secret'),
    };
    const r = await runCli(
      ['run', 'chains', '--renderer', 'simple', '--report', 'junit=out/junit.xml', '--report', 'json=out/report.json'],
      { cwd: dir, env },
    );
    assert.equal(r.code, 1, r.stderr + r.stdout);
    xml = await readFile(join(dir, 'out/junit.xml'), 'utf8');
    results = (JSON.parse(await readFile(join(dir, 'out/report.json'), 'utf8')) as { results: ChainResult[] }).results;
  });
  after(async () => {
    await sim.close();
    await cleanup();
  });

  test('the cases: step ids as names, the file and line of each step, <error> for infrastructure, <failure> for the step', async () => {
    // Read with a regular expression, not a parser, so this test needs neither tool.
    const suites = [...xml.matchAll(/<testsuite name="([^"]*)"[^>]*>([\s\S]*?)<\/testsuite>/g)];
    const got = Object.fromEntries(
      suites.map(([, name, body]) => [
        name,
        [
          ...(body ?? '').matchAll(
            /<testcase classname="[^"]*" name="([^"]*)" file="([^"]*)" line="(\d+)"[^>]*?(\/>|>\s*<(\w+)(?: message="[^"]*" type="([^"]*)")?)/g,
          ),
        ].map((m) => [m[1], m[2], m[3], m[4] === '/>' ? 'passed' : [m[5], m[6]].filter(Boolean).join(' ')]),
      ]),
    );
    assert.deepEqual(got, EXPECTED);
  });

  test('Jenkins junit-10.xsd accepts the run, an empty shard and invalid chains', { skip: tools.xmllint }, async () => {
    await validateWithXsd(xml, dir, 'run');
    const shard = await runCli(
      ['run', 'chains/gamma.yaml', '--sim', '--shard', '2/2', '--report', 'junit=out/shard.xml'],
      {
        cwd: dir,
      },
    );
    const shard1 = await runCli(
      ['run', 'chains/gamma.yaml', '--sim', '--shard', '1/2', '--report', 'junit=out/shard1.xml'],
      {
        cwd: dir,
      },
    );
    assert.equal(shard.code, 0, shard.stderr);
    assert.equal(shard1.code, 0, shard1.stderr);
    const empty = [shard, shard1].find((r) => /nothing to run/.test(r.stdout));
    assert.ok(empty, 'one of the two shards of one chain selects nothing');
    for (const name of ['shard', 'shard1'])
      await validateWithXsd(await readFile(join(dir, `out/${name}.xml`), 'utf8'), dir, name);
    await writeFile(
      join(dir, 'bad.yaml'),
      'version: 1\nchain_id: bad\nsteps:\n  - action_id: da-echo\n    on_failure: maybe\n',
    );
    const invalid = await runCli(['run', 'bad.yaml', '--sim', '--report', 'junit=out/invalid.xml'], { cwd: dir });
    assert.equal(invalid.code, 2, invalid.stderr);
    await validateWithXsd(await readFile(join(dir, 'out/invalid.xml'), 'utf8'), dir, 'invalid');
  });

  test(
    'the schema check can fail: the root `skipped` of the old reports is refused',
    { skip: tools.xmllint },
    async () => {
      const old = xml.replace('<testsuites name="cxchain" ', '<testsuites name="cxchain" skipped="3" ');
      const path = join(dir, 'old.xml');
      await writeFile(path, withoutFileAndLine(old));
      const r = spawnSync('xmllint', ['--noout', '--schema', XSD, path], { encoding: 'utf8' });
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /attribute 'skipped': The attribute 'skipped' is not allowed/);
    },
  );

  test("junitparser's view agrees with cxchain's own results, suite by suite", { skip: tools.junitparser }, () => {
    const parsed = readWithJunitparser(join(dir, 'out/junit.xml'));
    assert.equal(parsed.root.tag, 'testsuites');
    assert.deepEqual(
      parsed.suites.map((s) => s.name),
      results.map((r) => r.chain_id),
    );
    for (const [i, suite] of parsed.suites.entries()) {
      const own = stepsOf(results[i] as ChainResult);
      const outcomes = suite.cases.map(outcome);
      const count = (o: string) => outcomes.filter((x) => x === o).length;
      // The suite's attributes, the cases junitparser found and cxchain's results say the same.
      assert.deepEqual(
        [suite.tests, suite.failures + suite.errors, suite.skipped],
        [
          own.length,
          own.filter((s) => s.step.status === 'failed' || (s.step.status === 'cancelled' && !neverRan(s.step))).length,
          own.filter((s) => neverRan(s.step)).length,
        ],
        suite.name,
      );
      assert.deepEqual(
        [suite.tests, suite.failures, suite.errors, suite.skipped],
        [suite.cases.length, count('failure'), count('error'), count('skipped')],
        suite.name,
      );
      assert.deepEqual(
        suite.cases.map((c) => [c.classname, c.name]),
        own.map((s) => [suite.name, s.name]),
      );
      assert.deepEqual(
        suite.cases.map((c) => [
          c.name,
          c.results[0] ? `${outcome(c)}${c.results[0] === 'skipped' ? '' : ` ${c.type ?? ''}`}` : 'passed',
        ]),
        (EXPECTED[suite.name] ?? []).map(([name, , , o]) => [name, o]),
      );
      for (const [j, c] of suite.cases.entries()) {
        const step = own[j]?.step;
        if (step?.error && c.results[0] !== 'skipped') assert.equal(c.message, step.error.message, c.name);
      }
    }
    // xunitparser's checks of a <testsuites> file: the root's totals are those of all cases.
    const all = parsed.suites.flatMap((s) => s.cases.map(outcome));
    assert.deepEqual(
      [parsed.root.tests, parsed.root.failures, parsed.root.errors],
      [all.length, all.filter((o) => o === 'failure').length, all.filter((o) => o === 'error').length],
    );
    assert.deepEqual([parsed.root.failures, parsed.root.errors], [3, 3]);
    // xunitparser gathers the properties of every suite into one map and asserts each name once.
    const names = parsed.suites.flatMap((s) => s.properties);
    assert.equal(names.length, 4 * parsed.suites.length);
    assert.equal(new Set(names).size, names.length, names.join(', '));
  });

  test(
    'junitparser reads the empty report of an empty shard and of invalid chains',
    { skip: tools.junitparser },
    async () => {
      for (const [args, code, file] of [
        [['chains/gamma.yaml', '--shard', '1/2'], 0, 'e1.xml'],
        [['chains/gamma.yaml', '--shard', '2/2'], 0, 'e2.xml'],
        [['chains/lib/crm.yaml'], 0, 'call-only.xml'],
      ] as const) {
        const r = await runCli(['run', ...args, '--sim', '--report', `junit=out/${file}`], { cwd: dir });
        assert.equal(r.code, code, r.stderr);
      }
      await writeFile(join(dir, 'bad2.yaml'), 'version: 1\nchain_id: bad2\nsteps: []\n');
      const invalid = await runCli(['run', 'bad2.yaml', '--sim', '--report', 'junit=out/bad2.xml'], { cwd: dir });
      assert.equal(invalid.code, 2, invalid.stderr);
      const empty = ['e1.xml', 'e2.xml', 'call-only.xml', 'bad2.xml']
        .map((f) => readWithJunitparser(join(dir, 'out', f)))
        .filter((p) => p.suites.length === 0);
      assert.equal(
        empty.length,
        3,
        'the empty shard, the call_only file and the invalid run: no suite, still a report',
      );
      for (const p of empty) assert.deepEqual(p.root, { tag: 'testsuites', tests: 0, failures: 0, errors: 0 });
    },
  );
});
