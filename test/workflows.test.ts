import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { runLint } from './actionlint.js';
import { CLI, git, ROOT, tempDir } from './helpers.js';

const WORKFLOWS = join(ROOT, '.github', 'workflows');
const ACTION = join(ROOT, '.github', 'actions', 'cxchain');
const CHANGED_CHAINS = join(ACTION, 'changed-chains.sh');

type Yaml = Record<string, unknown>;
interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  if?: string;
  shell?: string;
  env?: Record<string, string>;
}
interface Job {
  steps: Step[];
  environment?: string;
  strategy?: { matrix: Record<string, unknown> };
  needs?: string;
  if?: string;
  env?: Record<string, string>;
}

function workflow(name: string): Yaml & { on: Yaml; jobs: Record<string, Job> } {
  return parse(readFileSync(join(WORKFLOWS, name), 'utf8')) as Yaml & { on: Yaml; jobs: Record<string, Job> };
}

const allSteps = (wf: { jobs: Record<string, Job> }) => Object.values(wf.jobs).flatMap((job) => job.steps);

const WORKFLOW_FILES = ['ci.yml', 'chains-pr.yml', 'chains-deploy.yml'];
const CHECKOUT = 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683';

/** `uses:` of a remote action, pinned as Dependabot and Renovate write it: `owner/repo@<sha> # vX.Y.Z`. */
const PINNED = /uses:\s+([\w.-]+\/[\w.-]+)@([0-9a-f]{40})\s+#\s+(v\d+\.\d+\.\d+)\s*$/;

/** Every `uses:` line of a file with its value; read from the text, since YAML drops the comments. */
function usesLines(text: string): [line: string, uses: string][] {
  return [...text.matchAll(/^\s*(?:-\s+)?uses:\s+(\S+).*$/gm)].map((m) => [m[0], m[1]!]);
}

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
  });

  test('every remote action is pinned to a full commit SHA, with its tag in a comment, the same pin everywhere', () => {
    const files = [...WORKFLOW_FILES.map((f) => join(WORKFLOWS, f)), join(ACTION, 'action.yml')];
    const pins = new Map<string, string>();
    let remote = 0;
    for (const file of files)
      for (const [line, uses] of usesLines(readFileSync(file, 'utf8'))) {
        if (uses.startsWith('./')) continue;
        remote++;
        const pinned = PINNED.exec(line);
        assert.ok(pinned, `${file}: \`${line.trim()}\` is not \`owner/repo@<40 hex> # vX.Y.Z\``);
        const [, action, sha, tag] = pinned;
        const seen = pins.get(action!);
        assert.ok(!seen || seen === `${sha} ${tag}`, `${action} is pinned to ${seen} and to ${sha} ${tag}`);
        pins.set(action!, `${sha} ${tag}`);
      }
    assert.ok(remote >= 10, `found only ${remote} remote actions`);
    assert.deepEqual([...pins.keys()].sort(), [
      'actions/cache',
      'actions/checkout',
      'actions/setup-node',
      'actions/upload-artifact',
    ]);
    // The check itself: a tag alone, a short SHA or a pin without its tag do not pass.
    for (const bad of [
      '      - uses: actions/checkout@v4',
      '      - uses: actions/checkout@11bd719 # v4.2.2',
      '      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683',
    ])
      assert.equal(PINNED.exec(bad), null, bad);
  });

  test('artifact names carry run_id and run_attempt, so a re-run never collides with the first attempt', () => {
    const uploads = WORKFLOW_FILES.flatMap((f) =>
      allSteps(workflow(f)).filter((s) => s.uses?.startsWith('actions/upload-artifact@')),
    );
    assert.equal(uploads.length, 2);
    for (const upload of uploads)
      assert.match(String(upload.with?.name), /-\$\{\{ github\.run_id \}\}-\$\{\{ github\.run_attempt \}\}/);
  });

  test('pull request and CI runs: a newer push cancels the older run of the same PR or branch', () => {
    for (const file of ['chains-pr.yml', 'ci.yml']) {
      const { concurrency } = workflow(file) as { concurrency?: { group: string; 'cancel-in-progress': boolean } };
      assert.equal(concurrency?.['cancel-in-progress'], true, file);
      assert.match(concurrency.group, /github\.event\.pull_request\.number/, file);
    }
  });

  test('Node.js 22 and 24 only: Node 20 is past its end of life', () => {
    const versions = [
      ...WORKFLOW_FILES.flatMap((f) =>
        allSteps(workflow(f)).flatMap((s) =>
          s.uses?.startsWith('actions/setup-node@') ? [s.with?.['node-version']] : [],
        ),
      ),
      ...(workflow('ci.yml').jobs.test?.strategy?.matrix.node as number[]),
      (parse(readFileSync(join(ACTION, 'action.yml'), 'utf8')) as { inputs: Record<string, { default: string }> })
        .inputs['node-version']?.default,
    ];
    assert.ok(versions.length >= 5);
    for (const v of versions) assert.ok(['22', '24', '${{ matrix.node }}'].includes(String(v)), `node-version ${v}`);
  });

  test('ci.yml: typecheck and tests on Node 22 and 24, and the composite action', () => {
    const ci = workflow('ci.yml');
    assert.deepEqual(ci.jobs.test?.strategy?.matrix.node, [22, 24]);
    const runs = ci.jobs.test?.steps.map((s) => s.run).filter(Boolean);
    assert.deepEqual(runs, ['npm ci', 'npm run typecheck', 'npm test']);
    assert.ok(ci.jobs.action?.steps.some((s) => s.uses === './.github/actions/cxchain'));
  });

  test('chains-pr.yml: on PRs touching chains/ or schemas/, validate with annotations, plan against the base, JUnit artifact', () => {
    const pr = workflow('chains-pr.yml');
    assert.deepEqual((pr.on.pull_request as { paths: string[] }).paths, ['chains/**', 'schemas/**']);
    const steps = allSteps(pr);
    assert.deepEqual(steps[0], { uses: CHECKOUT, with: { 'fetch-depth': 0 } });
    assert.deepEqual(steps[1]?.with, { 'node-version': 22, cache: 'npm' });
    const runs = steps.map((s) => s.run ?? '');
    assert.ok(runs.includes('npm ci'));
    assert.ok(runs.some((r) => /^npx cxchain validate chains\/ --format github$/.test(r)));
    assert.ok(runs.some((r) => /^npx cxchain plan chains\/ --base "origin\/\$GITHUB_BASE_REF"$/.test(r)));
    assert.ok(runs.some((r) => /npx cxchain run .*--report junit=cxchain-out\/junit\.xml/.test(r)));
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    assert.equal(upload?.with?.path, 'cxchain-out/');
    assert.equal(upload?.if, '${{ !cancelled() }}', 'reports are kept when validation failed');
  });

  test('chains-deploy.yml: on push to main touching chains/, changed chains only, one deploy per tenant, environment, artifacts, shards', () => {
    const deploy = workflow('chains-deploy.yml');
    assert.deepEqual(deploy.on.push, { branches: ['main'], paths: ['chains/**'] });
    const concurrency = deploy.concurrency as { group: string; 'cancel-in-progress': boolean };
    assert.equal(concurrency['cancel-in-progress'], false, 'a deploy is never stopped half way');
    // One group per tenant whatever started the run: nothing of the branch, the ref or the event.
    assert.doesNotMatch(concurrency.group, /github\.(ref|head_ref|base_ref|event|run_id|sha)|inputs\./);
    assert.match(concurrency.group, /^cxchain-deploy-\$\{\{ vars\.CXONE_TENANT \|\| /);
    const changes = deploy.jobs.changes as Job;
    assert.deepEqual(changes.steps[0], { uses: CHECKOUT, with: { 'fetch-depth': 0 } });
    assert.match(
      changes.steps[1]?.run ?? '',
      /bash \.github\/actions\/cxchain\/changed-chains\.sh "\$BEFORE" "\$GITHUB_SHA" chains/,
    );
    assert.equal(changes.steps[1]?.env?.BEFORE, '${{ github.event.before }}');
    const run = deploy.jobs.deploy as Job;
    assert.equal(run.needs, 'changes');
    assert.equal(run.if, "needs.changes.outputs.files != '[]'");
    assert.equal(run.strategy?.matrix.shard, '${{ fromJSON(needs.changes.outputs.shards) }}');
    assert.equal(run.environment, 'cxone', "the job that reads the tenant's secrets names their environment");
    assert.equal(changes.environment, undefined, 'the job that only reads git needs no secrets');
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
    const upload = run.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
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
      // Where the install step put the package; this checkout's own build stands in for it here.
      CXCHAIN_HOME: ROOT,
      GITHUB_ACTIONS: '',
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

  test('runs the installed cxchain with the command, paths (one per line) and args', () => {
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

describe("the composite action's install: built once, production dependencies only, cached", () => {
  const action = parse(readFileSync(join(ACTION, 'action.yml'), 'utf8')) as { runs: { steps: Step[] } };
  const step = (id: string) => {
    const found = action.runs.steps.find((s) => s.id === id || s.name === id);
    assert.ok(found, `the action has a step ${id}`);
    return found;
  };
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };

  /** One `run:` step as the runner runs it, with `${{ steps.key.outputs.* }}` in its env filled in; `env` stands in for the rest (inputs). */
  function runStep(s: Step, env: Record<string, string>, outputs: Record<string, string> = {}) {
    const stepEnv = Object.fromEntries(
      Object.entries(s.env ?? {}).map(([k, v]) => [
        k,
        v.replace(/\$\{\{ steps\.key\.outputs\.(\w+) \}\}/g, (_, name: string) => outputs[name] ?? ''),
      ]),
    );
    return spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', s.run ?? ''], {
      env: { ...process.env, ...stepEnv, ...env },
      encoding: 'utf8',
      timeout: 300_000,
    });
  }

  function readOutputs(file: string): Record<string, string> {
    return Object.fromEntries(
      readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
  }

  test('the steps: setup-node, a key, actions/cache on that key, the install only on a miss', () => {
    const uses = action.runs.steps.map((s) => s.uses?.replace(/@.*/, '') ?? s.id ?? s.name);
    assert.deepEqual(uses, [
      'actions/setup-node',
      'key',
      'actions/cache',
      'Install cxchain',
      'cxchain ${{ inputs.command }}',
    ]);
    assert.deepEqual(step('cache').with, {
      path: '${{ steps.key.outputs.dir }}',
      key: '${{ steps.key.outputs.key }}',
    });
    assert.equal(step('Install cxchain').if, "steps.cache.outputs.cache-hit != 'true'");
    assert.doesNotMatch(JSON.stringify(action), /hashFiles/, "hashFiles() cannot see the action's checkout");
  });

  test('the key follows the content of the package and the Node.js version, not where it was checked out', async () => {
    const files = {
      'package.json': '{}',
      'package-lock.json': '{}',
      'tsconfig.json': '{}',
      'tsconfig.build.json': '{}',
      'src/a.ts': 'one',
      'schemas/chain.schema.json': '{}',
      'chains/x.yaml': 'x',
      '.github/actions/cxchain/action.yml': '',
    };
    const first = await tempDir(files);
    const second = await tempDir(files);
    try {
      const keyOf = (dir: string, env: Record<string, string> = {}) => {
        const out = join(dir, 'out.txt');
        const r = runStep(step('key'), {
          GITHUB_ACTION_PATH: join(dir, '.github/actions/cxchain'),
          GITHUB_OUTPUT: out,
          RUNNER_OS: 'Linux',
          RUNNER_ARCH: 'X64',
          RUNNER_TOOL_CACHE: '/opt/tools',
          ...env,
        });
        assert.equal(r.status, 0, r.stderr);
        const outputs = readOutputs(out);
        rmSync(out);
        return outputs;
      };
      const key = keyOf(first.dir);
      assert.match(key.key!, new RegExp(`^cxchain-Linux-X64-node${process.versions.node}-[0-9a-f]{24}$`));
      assert.equal(key.dir, `/opt/tools/cxchain/${key.key}`);
      assert.equal(key.source, first.dir);
      assert.equal(keyOf(second.dir).key, key.key, 'the same content in another place');
      await writeFile(join(second.dir, 'chains/x.yaml'), 'y');
      assert.equal(keyOf(second.dir).key, key.key, 'chains are not part of the package');
      await writeFile(join(second.dir, 'src/a.ts'), 'two');
      assert.notEqual(keyOf(second.dir).key, key.key, 'a changed source');
      await writeFile(join(first.dir, 'package-lock.json'), '{"changed":true}');
      assert.notEqual(keyOf(first.dir).key, key.key, 'a changed lock file');
      assert.match(keyOf(first.dir, { RUNNER_OS: 'macOS' }).key!, /^cxchain-macOS-/);
    } finally {
      await first.cleanup();
      await second.cleanup();
    }
  });

  test(
    'a miss builds this repository and installs it without dev dependencies; the next use builds nothing; the CLI runs from there',
    { timeout: 600_000 },
    async () => {
      const { dir, cleanup } = await tempDir();
      try {
        const env = {
          GITHUB_ACTION_PATH: ACTION,
          GITHUB_OUTPUT: join(dir, 'out.txt'),
          RUNNER_TOOL_CACHE: join(dir, 'tools'),
          // The build's npm writes nothing into the user's npm cache beyond what it reads.
          npm_config_prefer_offline: 'true',
        };
        const key = runStep(step('key'), env);
        assert.equal(key.status, 0, key.stderr);
        const outputs = readOutputs(env.GITHUB_OUTPUT);
        assert.equal(outputs.source, ROOT);
        const home = outputs.dir!;
        assert.ok(home.startsWith(join(dir, 'tools', 'cxchain')));

        const install = runStep(step('Install cxchain'), env, outputs);
        assert.equal(install.status, 0, install.stdout + install.stderr);
        assert.match(install.stdout, new RegExp(`installed cxchain ${pkg.version.replace(/\./g, '\\.')} in `));

        const version = spawnSync(process.execPath, [join(home, 'dist', 'cli.cjs'), '--version'], { encoding: 'utf8' });
        assert.equal(version.stdout, `${pkg.version}\n`);
        // By path, so a scoped name (`@viz-js/viz`) is looked up in its scope's folder.
        const installed = (name: string) => existsSync(join(home, 'node_modules', name));
        for (const dep of Object.keys(pkg.dependencies)) assert.ok(installed(dep), `${dep} is installed`);
        for (const dev of Object.keys(pkg.devDependencies))
          assert.ok(!installed(dev), `dev dependency ${dev} is not installed`);
        assert.ok(!installed('typescript') && !installed('esbuild'));
        // What npm would publish, nothing of the build: no sources, no tests.
        assert.deepEqual(readdirSync(home).sort(), [
          'LICENSE',
          'README.md',
          'dist',
          'node_modules',
          'package-lock.json',
          'package.json',
          'schemas',
        ]);

        // The templates `init` reads ship in the package, not only in this checkout.
        const init = spawnSync(process.execPath, [join(home, 'dist', 'cli.cjs'), 'init', join(dir, 'starter')], {
          encoding: 'utf8',
        });
        assert.equal(init.status, 0, init.stderr);
        assert.ok(readdirSync(join(dir, 'starter', 'chains')).includes('example.yaml'));

        const again = runStep(step('Install cxchain'), env, outputs);
        assert.equal(again.status, 0, again.stderr);
        assert.match(again.stdout, /is already installed in /);
        assert.doesNotMatch(again.stdout + again.stderr, /added \d+ packages/, 'nothing was built or installed');

        const script = step('cxchain ${{ inputs.command }}');
        const r = runStep(
          { ...script, run: `cd ${JSON.stringify(ROOT)}\n${script.run ?? ''}` },
          {
            ...env,
            GITHUB_ACTIONS: '',
            CXCHAIN_COMMAND: 'run',
            CXCHAIN_PATHS: 'chains',
            CXCHAIN_ARGS: '--sim --renderer simple',
            CXCHAIN_BASE: '',
            CXCHAIN_CHANGED_SINCE: '',
          },
          outputs,
        );
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /chains?: \d+ completed/);
      } finally {
        await cleanup();
      }
    },
  );
});
