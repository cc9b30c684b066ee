import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { shardOf } from '../src/cli/shard.js';
import { runCli, tempDir } from './helpers.js';

// SPEC 3.3 "Everything else follows" for `--shard` and `list` (SPEC 4, 8): shards split top-level
// chains and load their children wherever they are; call_only files are listed, marked, and never
// run on their own. Spawned CLI, real files, the built-in simulator.

const SHARDS = 3;

/** The first name `make(i)` gives that lands in shard `index` of `SHARDS`. */
function nameIn(index: number, make: (i: number) => string): string {
  for (let i = 0; i < 10_000; i += 1) if (shardOf(make(i), SHARDS) === index) return make(i);
  throw new Error(`no name for shard ${index}`);
}

// A parent in shard 1 using a call_only child in shard 2 and a shared (not call_only) chain in shard 3.
const PARENT = nameIn(1, (i) => `chains/parent-${i}.yaml`);
const CRM = nameIn(2, (i) => `chains/lib/crm-${i}.yaml`);
const SHARED = nameIn(3, (i) => `chains/lib/shared-${i}.yaml`);
const fromChains = (file: string) => `./${file.slice('chains/'.length)}`;

const FILES = {
  [PARENT]:
    `version: 1\nchain_id: parent\nsteps:\n  - id: own\n    action_id: da-echo\n    payload: { chain: parent }\n` +
    `  - id: crm\n    uses: ${fromChains(CRM)}\n    with: { n: from-parent }\n` +
    `  - id: shared\n    uses: ${fromChains(SHARED)}\n    with: { n: from-parent }\n`,
  [CRM]:
    'version: 1\nchain_id: crm\ncall_only: true\ninputs:\n  n: { type: string, required: true }\nsteps:\n  - action_id: da-echo\n    payload: { chain: crm, n: "${{ inputs.n }}" }\n',
  [SHARED]:
    'version: 1\nchain_id: shared\ninputs:\n  n: { type: string, default: on-its-own }\nsteps:\n  - action_id: da-echo\n    payload: { chain: shared, n: "${{ inputs.n }}" }\n',
};

interface Event {
  type: string;
  chain_id: string;
  file: string;
  parent?: { chain_id: string; file: string; step_id: string }[];
}

const events = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Event);

/** Each chain that started, as `chain_id` or `parent > child`. */
const started = (stdout: string) =>
  events(stdout)
    .filter((e) => e.type === 'chain_start')
    .map((e) => [...(e.parent ?? []).map((p) => p.chain_id), e.chain_id].join(' > '));

interface Row {
  file: string;
  chain_id: string;
  call_only: boolean;
}

describe('--shard with chains that use chains (SPEC 3.3, 8)', () => {
  test('run --shard: the parent’s shard runs its children inside it; a call_only child’s shard runs nothing; a shared child runs in its own shard too', async () => {
    const { dir, cleanup } = await tempDir(FILES);
    try {
      const run = (index: number) =>
        runCli(['run', '--sim', '--renderer', 'json', '--shard', `${index}/${SHARDS}`], { cwd: dir });

      const parent = await run(1);
      assert.equal(parent.code, 0, parent.stderr);
      assert.deepEqual(started(parent.stdout), ['parent', 'parent > crm', 'parent > shared']);
      const crmStart = events(parent.stdout).find((e) => e.type === 'chain_start' && e.chain_id === 'crm');
      assert.equal(crmStart?.file, CRM, 'the child is loaded from its file, in another shard');

      const child = await run(2);
      assert.equal(child.code, 0, child.stderr);
      assert.equal(child.stdout, 'the chain is `call_only` (run only as children of other chains): nothing to run\n');

      const shared = await run(3);
      assert.equal(shared.code, 0, shared.stderr);
      assert.deepEqual(started(shared.stdout), ['shared']);
      const simple = await runCli(['run', '--sim', '--renderer', 'simple', '--shard', `3/${SHARDS}`], { cwd: dir });
      assert.match(simple.stdout, /✔ shared chains\/lib\/shared-\d+\.yaml — completed: 1 passed/);

      // Together the shards run each top-level chain once, and the call_only child only inside its parent.
      const all = await runCli(['run', '--sim', '--renderer', 'json'], { cwd: dir });
      assert.deepEqual(started(all.stdout).sort(), ['parent', 'parent > crm', 'parent > shared', 'shared']);
    } finally {
      await cleanup();
    }
  });

  test('validate --shard: a shard checks its files and the children they use; a broken child fails its own shard and its parent’s', async () => {
    const { dir, cleanup } = await tempDir(FILES);
    try {
      const validate = async (index: number) => {
        const r = await runCli(['validate', '--format', 'json', '--shard', `${index}/${SHARDS}`], { cwd: dir });
        return {
          code: r.code,
          report: JSON.parse(r.stdout) as {
            valid: boolean;
            files: { file: string; valid: boolean }[];
            chains: number;
            diagnostics: { code: string; file: string }[];
          },
        };
      };
      const one = await validate(1);
      assert.equal(one.code, 0);
      assert.deepEqual(
        one.report.files.map((f) => f.file),
        [PARENT, CRM, SHARED],
        'the shard’s file, then the children it loaded',
      );
      assert.equal(one.report.chains, 1, 'the shard’s own chains');
      const two = await validate(2);
      assert.equal(two.code, 0);
      assert.deepEqual(
        two.report.files.map((f) => f.file),
        [CRM],
      );
      assert.equal(two.report.chains, 1, 'a call_only chain is validated and counted');
      const text = await runCli(['validate', '--shard', `2/${SHARDS}`], { cwd: dir });
      assert.equal(text.stdout, `✔ 1 chain valid (1 file, shard 2/${SHARDS})\n`);

      await writeFile(join(dir, CRM), (FILES[CRM] as string).replace('type: string', 'type: strin'));
      const broken = await Promise.all([1, 2, 3].map(validate));
      assert.deepEqual(
        broken.map((b) => b.code),
        [2, 2, 0],
      );
      assert.deepEqual(
        broken[0]?.report.diagnostics.map((d) => [d.code, d.file]),
        [
          ['schema.enum', CRM],
          ['chain.child_invalid', PARENT],
        ],
      );
      assert.deepEqual(
        broken[1]?.report.diagnostics.map((d) => [d.code, d.file]),
        [['schema.enum', CRM]],
      );
    } finally {
      await cleanup();
    }
  });
});

describe('list marks call_only chains (SPEC 3.3, 4)', () => {
  test('--json rows carry call_only; the table marks them; --shard lists each file in one shard', async () => {
    const { dir, cleanup } = await tempDir(FILES);
    try {
      const r = await runCli(['list', '--json'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      const rows = JSON.parse(r.stdout) as Row[];
      assert.deepEqual(
        rows.map((row) => [row.file, row.chain_id, row.call_only]),
        [
          [CRM, 'crm', true],
          [SHARED, 'shared', false],
          [PARENT, 'parent', false],
        ],
      );
      assert.deepEqual(Object.keys(rows[0] ?? {}), [
        'file',
        'chain_id',
        'revision',
        'steps',
        'description',
        'call_only',
      ]);

      const table = await runCli(['list'], { cwd: dir });
      assert.equal(
        table.stdout,
        [
          'CHAIN_ID  REV  STEPS  FILE',
          `crm         -      1  ${CRM}  (call_only)`,
          `shared      -      1  ${SHARED}`,
          `parent      -      3  ${PARENT}`,
          '',
        ].join('\n'),
      );

      const byShard: Row[][] = [];
      for (const index of [1, 2, 3]) {
        const shard = await runCli(['list', '--json', '--shard', `${index}/${SHARDS}`], { cwd: dir });
        byShard.push(JSON.parse(shard.stdout) as Row[]);
      }
      assert.deepEqual(
        byShard.map((shard) => shard.map((row) => [row.chain_id, row.call_only])),
        [[['parent', false]], [['crm', true]], [['shared', false]]],
        'children are not listed again in their parents’ shards',
      );
    } finally {
      await cleanup();
    }
  });

  test('a matrix of one job per file: the rows that are not call_only run, and those are all that needs running', async () => {
    const { dir, cleanup } = await tempDir(FILES);
    try {
      const rows = JSON.parse((await runCli(['list', '--json'], { cwd: dir })).stdout) as Row[];
      // What the README tells a workflow to do: `jq -c 'map(select(.call_only | not) | .file)'`.
      const jobs = rows.filter((row) => !row.call_only).map((row) => row.file);
      assert.deepEqual(jobs, [SHARED, PARENT]);
      const ran: string[] = [];
      for (const file of jobs) {
        const r = await runCli(['run', '--sim', '--renderer', 'json', file], { cwd: dir });
        assert.equal(r.code, 0, r.stderr);
        ran.push(...started(r.stdout));
      }
      assert.deepEqual(ran, ['shared', 'parent', 'parent > crm', 'parent > shared']);
      // A job given a call_only file anyway runs nothing and succeeds.
      const leftover = await runCli(['run', '--sim', CRM], { cwd: dir });
      assert.equal(leftover.code, 0, leftover.stderr);
      assert.match(leftover.stdout, /`call_only` \(run only as children of other chains\): nothing to run/);
    } finally {
      await cleanup();
    }
  });
});
