// `cxchain init` (issue 15, point 1): a starter chains repository whose workflows follow the same
// conventions as this repository's own (SPEC 8), spawned as a user runs it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { parse } from 'yaml';
import { runLint } from './actionlint.js';
import { git, ROOT, runCli, tempDir } from './helpers.js';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const ACTION_USES = `cxchain/cxchain/.github/actions/cxchain@v${VERSION}`;
const FILES = [
  '.github/workflows/chains-deploy.yml',
  '.github/workflows/chains-pr.yml',
  '.gitignore',
  'README.cxchain.md',
  'chains/example.yaml',
];

interface Step {
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  concurrency: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, { environment?: string; env?: Record<string, string>; steps: Step[] }>;
}

/** Every file below dir, relative, sorted, with its text. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (sub: string) => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else out[rel] = readFileSync(join(dir, rel), 'utf8');
    }
  };
  walk('');
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

async function initialised(): Promise<{ dir: string; repo: string; cleanup: () => Promise<void> }> {
  const { dir, cleanup } = await tempDir();
  const r = await runCli(['init', 'repo'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  return { dir, repo: join(dir, 'repo'), cleanup };
}

const workflowOf = (repo: string, name: string) =>
  parse(readFileSync(join(repo, '.github/workflows', name), 'utf8')) as Workflow;
const stepsOf = (wf: Workflow) => Object.values(wf.jobs).flatMap((j) => j.steps);

describe('cxchain init', () => {
  test('writes the starter files into a new folder and says what it wrote', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const r = await runCli(['init', 'repo'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      const wrote = r.stdout
        .split('\n')
        .filter((l) => l.startsWith('wrote '))
        .map((l) => l.slice('wrote '.length));
      assert.deepEqual(wrote.sort(), FILES.map((f) => `repo/${f}`).sort());
      assert.match(r.stdout, /environment "cxone".*CXONE_CLIENT_ID.*CXONE_CLIENT_SECRET.*CXONE_TENANT/);
      const files = snapshot(join(dir, 'repo'));
      assert.deepEqual(Object.keys(files), FILES);
      for (const [file, text] of Object.entries(files)) assert.doesNotMatch(text, /__CXCHAIN_/, file);
      assert.match(
        files['chains/example.yaml']!,
        /^# yaml-language-server: \$schema=\.\.\/node_modules\/cxchain\/schemas\/chain\.schema\.json\n/,
      );
      assert.deepEqual(
        files['.gitignore']!.split('\n').filter((l) => l && !l.startsWith('#')),
        ['node_modules/', 'cxchain-out/'],
      );
      for (const name of ['CXONE_CLIENT_ID', 'CXONE_CLIENT_SECRET', 'CXONE_TENANT', 'cxone', ACTION_USES])
        assert.ok(files['README.cxchain.md']!.includes(name), `README.cxchain.md names ${name}`);
    } finally {
      await cleanup();
    }
  });

  test('the example chain validates and runs on the simulator; its modeline names a schema the package ships', async () => {
    const { repo, cleanup } = await initialised();
    try {
      const validate = await runCli(['validate'], { cwd: repo });
      assert.equal(validate.code, 0, validate.stdout + validate.stderr);
      const run = await runCli(['run', '--sim', '--renderer', 'simple'], { cwd: repo });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /1 chain: 1 completed; 2 steps run/);
      // The modeline's path below node_modules/cxchain is one the package publishes.
      const files = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] }).files;
      assert.ok(files.includes('schemas'));
      assert.ok(statSync(join(ROOT, 'schemas', 'chain.schema.json')).isFile());
    } finally {
      await cleanup();
    }
  });

  test('the generated workflows pass actionlint and follow the conventions of SPEC 8', async () => {
    const { repo, cleanup } = await initialised();
    try {
      for (const name of ['chains-pr.yml', 'chains-deploy.yml']) {
        const text = readFileSync(join(repo, '.github/workflows', name), 'utf8');
        const problems = await runLint(text, name);
        assert.deepEqual(
          problems.map((p) => `${name}:${p.line}:${p.column} ${p.message} [${p.kind}]`),
          [],
        );
        // Third-party actions pinned exactly as this repository's own workflows pin them.
        const ours = readFileSync(join(ROOT, '.github/workflows/chains-deploy.yml'), 'utf8');
        for (const m of text.matchAll(/uses: (\S+)(.*)$/gm)) {
          if (m[1] === ACTION_USES) continue;
          assert.match(m[0], /^uses: actions\/[\w-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/, name);
          const action = m[1]!.split('@')[0]!;
          const pin = ours.match(new RegExp(`uses: ${action}@.*$`, 'm'))?.[0] ?? m[0];
          assert.equal(m[0], pin, `${action} is pinned as in this repository`);
        }
        for (const step of stepsOf(parse(text) as Workflow).filter((s) => s.uses?.startsWith('actions/upload')))
          assert.match(step.with?.name ?? '', /-\$\{\{ github\.run_id \}\}-\$\{\{ github\.run_attempt \}\}/);
      }

      const pr = workflowOf(repo, 'chains-pr.yml');
      assert.deepEqual(pr.concurrency, {
        group: 'chains-pr-${{ github.event.pull_request.number }}',
        'cancel-in-progress': true,
      });
      const prSteps = stepsOf(pr);
      assert.deepEqual(
        prSteps.filter((s) => s.uses === ACTION_USES).map((s) => s.with?.command),
        ['validate', 'plan', 'run'],
      );
      assert.match(prSteps.find((s) => s.with?.command === 'run')?.with?.args ?? '', /--report junit=cxchain-out\//);
      assert.ok(prSteps.some((s) => s.uses?.startsWith('actions/upload-artifact@') && s.if === '${{ !cancelled() }}'));

      const deploy = workflowOf(repo, 'chains-deploy.yml');
      assert.equal(deploy.concurrency['cancel-in-progress'], false);
      assert.doesNotMatch(
        deploy.concurrency.group,
        /github\.|inputs\./,
        'one group per tenant, not per ref or trigger',
      );
      assert.match(deploy.concurrency.group, /vars\.CXONE_TENANT/);
      const job = deploy.jobs.deploy!;
      assert.equal(job.environment, 'cxone');
      assert.equal(job.env?.CXONE_CLIENT_SECRET, '${{ secrets.CXONE_CLIENT_SECRET }}');
      const run = job.steps.find((s) => s.uses === ACTION_USES);
      assert.equal(run?.with?.command, 'run');
      assert.equal(run?.with?.['changed-since'], "${{ github.event_name == 'push' && github.event.before || '' }}");
      for (const flag of ['--report junit=', '--report json=', '--audit cxchain-out/'])
        assert.ok(run?.with?.args?.includes(flag), flag);
    } finally {
      await cleanup();
    }
  });

  test('refuses when any file exists: names every one and writes nothing, not even the missing ones', async () => {
    const { dir, repo, cleanup } = await initialised();
    try {
      await writeFile(join(repo, 'chains/example.yaml'), 'version: 1\n# mine\n');
      await rm(join(repo, 'README.cxchain.md'));
      const before = snapshot(repo);
      const r = await runCli(['init', 'repo'], { cwd: dir });
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      // .gitignore is not in the way: an existing one only gets the lines it lacks.
      assert.match(r.stderr, /^error: init writes nothing: these 3 files exist already\n/);
      for (const file of FILES.filter((f) => f !== 'README.cxchain.md' && f !== '.gitignore'))
        assert.ok(r.stderr.includes(`  repo/${file}\n`), `${file} is named`);
      assert.doesNotMatch(r.stderr, /README|gitignore/);
      assert.deepEqual(snapshot(repo), before, 'nothing written, nothing changed');

      await rm(repo, { recursive: true });
      await writeFile(join(dir, 'repo'), 'a file\n');
      const onFile = await runCli(['init', 'repo'], { cwd: dir });
      assert.equal(onFile.code, 2);
      assert.match(onFile.stderr, /repo is not a folder/);
      await rm(join(dir, 'repo'));
      await writeFile(join(dir, '.github'), 'a file where a folder goes\n');
      const blocked = await runCli(['init'], { cwd: dir });
      assert.equal(blocked.code, 2);
      assert.match(blocked.stderr, /this file exists already\n {2}\.github\n/);
      assert.deepEqual(readdirSync(dir), ['.github']);
    } finally {
      await cleanup();
    }
  });

  test("a repository's own .gitignore is kept and gets only the lines it lacks", async () => {
    const { dir, cleanup } = await tempDir({ '.gitignore': 'dist/\nnode_modules/' });
    try {
      const r = await runCli(['init'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^added cxchain-out\/ to \.gitignore$/m);
      assert.doesNotMatch(r.stdout, /wrote \.gitignore/);
      assert.equal(readFileSync(join(dir, '.gitignore'), 'utf8'), 'dist/\nnode_modules/\ncxchain-out/\n');
      // Once it has them all, a later init has nothing to say about it (and refuses the rest).
      await rm(join(dir, 'chains'), { recursive: true });
      await rm(join(dir, '.github'), { recursive: true });
      await rm(join(dir, 'README.cxchain.md'));
      const again = await runCli(['init'], { cwd: dir });
      assert.equal(again.code, 0, again.stderr);
      assert.doesNotMatch(again.stdout, /gitignore/);
      assert.equal(readFileSync(join(dir, '.gitignore'), 'utf8'), 'dist/\nnode_modules/\ncxchain-out/\n');
    } finally {
      await cleanup();
    }
  });

  test('a folder that cannot be made: one line naming the file and the cause, exit 74', async () => {
    const r = await runCli(['init', '/proc/cxchain-init-test/repo'], { timeoutMs: 10_000 });
    assert.equal(r.code, 74, r.stdout + r.stderr);
    assert.equal(
      r.stderr,
      'error: cannot write /proc/cxchain-init-test/repo/chains/example.yaml: no such directory (ENOENT)\n',
    );
    assert.equal(r.stdout, '');
  });

  test('--help says what it writes and that it overwrites nothing', async () => {
    const r = await runCli(['init', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: cxchain init \[options\] \[dir\]/);
    assert.match(r.stdout, /Nothing is overwritten/);
  });
});

describe("the generated pull-request workflow's cxchain steps, run locally", () => {
  test('validate --format github, plan against the base branch into the job summary, run with a JUnit report', async () => {
    const { dir, repo, cleanup } = await initialised();
    try {
      git(repo, 'init', '-q', '-b', 'main');
      git(repo, 'add', '-A');
      git(repo, 'commit', '-q', '-m', 'cxchain init');
      // A pull request's checkout: the base branch as origin/main, the change on top.
      git(repo, 'update-ref', 'refs/remotes/origin/main', 'HEAD');
      const chain = readFileSync(join(repo, 'chains/example.yaml'), 'utf8');
      await writeFile(
        join(repo, 'chains/example.yaml'),
        chain.replace('revision: 1', 'revision: 2').replace('region: US-WEST', 'region: EU-CENTRAL'),
      );
      git(repo, 'commit', '-q', '-am', 'a change');

      const action = parse(readFileSync(join(ROOT, '.github/actions/cxchain/action.yml'), 'utf8')) as {
        inputs: Record<string, { default: string }>;
        runs: { steps: Step[] };
      };
      const script = action.runs.steps.find((s) => s.run?.includes('node "$cli"'))?.run ?? '';
      const steps = stepsOf(workflowOf(repo, 'chains-pr.yml')).filter((s) => s.uses === ACTION_USES);
      assert.equal(steps.length, 3);
      const summary = join(dir, 'summary.md');
      const outputs: string[] = [];
      for (const step of steps) {
        const input = (name: string) => step.with?.[name] ?? action.inputs[name]?.default ?? '';
        const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
          cwd: join(repo, input('working-directory')),
          env: {
            ...process.env,
            GITHUB_ACTIONS: 'true',
            GITHUB_BASE_REF: 'main',
            GITHUB_STEP_SUMMARY: summary,
            GITHUB_ACTION_PATH: join(ROOT, '.github/actions/cxchain'),
            // The installed package the action's install step would have made; this build stands in.
            CXCHAIN_HOME: ROOT,
            NO_COLOR: '1',
            CXCHAIN_COMMAND: input('command'),
            CXCHAIN_PATHS: input('paths'),
            CXCHAIN_ARGS: input('args'),
            CXCHAIN_BASE: input('base'),
            CXCHAIN_CHANGED_SINCE: input('changed-since'),
          },
          encoding: 'utf8',
          timeout: 60_000,
        });
        assert.equal(r.status, 0, `${input('command')}: ${r.stdout}${r.stderr}`);
        outputs.push(r.stdout);
      }
      assert.doesNotMatch(outputs[0]!, /::error/);
      assert.match(outputs[1]!, /example-customer-check/);
      const jobSummary = readFileSync(summary, 'utf8');
      assert.match(jobSummary, /changed/i);
      assert.match(jobSummary, /example-customer-check/);
      const junit = new XMLParser({ ignoreAttributes: false }).parse(
        readFileSync(join(repo, 'cxchain-out/junit.xml'), 'utf8'),
      ) as { testsuites: { testsuite: { '@_name': string; testcase: unknown[] } } };
      assert.equal(junit.testsuites.testsuite['@_name'], 'example-customer-check');
      assert.equal(junit.testsuites.testsuite.testcase.length, 2);
      assert.ok(statSync(join(repo, 'cxchain-out/results.json')).isFile());
      assert.equal(git(repo, 'status', '--porcelain'), '', '.gitignore keeps the reports out of git');
    } finally {
      await cleanup();
    }
  });
});
