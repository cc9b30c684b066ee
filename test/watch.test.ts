import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createSimulator, type Simulator } from '../src/sim/index.js';
import { CLI, runCli, simulatorEnv, startWatch, tempDir, waitFor } from './helpers.js';

// SPEC 7 against real files and a spawned `cxchain watch`. Every wait polls for a real event
// with a deadline; the only fixed waits are the short quiet windows that prove "no second run".

/** Longer than the debounce (100 ms) plus chokidar's atomic window (100 ms), with room to spare. */
const QUIET_MS = 400;

const chain = (id: string, payload: string, extra = '') =>
  `version: 1\nchain_id: ${id}\nsteps:\n  - action_id: da-echo\n    payload: ${payload}\n${extra}`;

const quiet = (ms = QUIET_MS) => new Promise((r) => setTimeout(r, ms));

/** Whether something still accepts TCP connections on this URL's port. */
function accepts(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

interface AuditLine {
  type: string;
  run_id: string;
  chain_id: string;
  termination_reason?: string | null;
}

const readAudit = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as AuditLine);

describe('cxchain watch against a server given by CXONE_* settings', () => {
  let sim: Simulator;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    sim = await createSimulator({ actions: { 'da-wait': { hang: true } } });
    env = {
      ...simulatorEnv(sim, 'watch-test', 'watch-secret'),
    };
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const bodies = () => sim.requests.map((r) => r.body as Record<string, unknown>);

  test('a change runs that chain only, with the new content; keys are not read without a terminal', async () => {
    const { dir, cleanup } = await tempDir({
      'chains/a.yaml': chain('a', '{ chain: a, v: 1 }'),
      'chains/b.yaml': chain('b', '{ chain: b }'),
    });
    const w = await startWatch([], { cwd: dir, env });
    try {
      assert.match(
        w.out(),
        /^watching chains: 2 chain files; runs go to http:\/\/127\.0\.0\.1:\d+\nsave a chain file to run it; Ctrl-C to quit\n/m,
      );
      w.child.stdin?.write('q\n'); // stdin is a pipe: no key handling, so this must not quit
      assert.equal(sim.requests.length, 0, 'nothing runs before a change');
      writeFileSync(join(dir, 'chains/a.yaml'), chain('a', '{ chain: a, v: 2 }'));
      await w.see(/✔ a chains\/a\.yaml — completed: 1 passed/, 'the run of a');
      assert.match(w.out(), /▶ running a \(chains\/a\.yaml\)/);
      assert.deepEqual(bodies(), [{ chain: 'a', v: 2 }]);
      await quiet();
      assert.equal(w.runs(), 1);
      assert.equal(w.child.exitCode, null, 'q on a non-terminal stdin does not quit');
    } finally {
      const stopped = await w.stop();
      assert.equal(stopped.code, 130);
      await cleanup();
    }
  });

  test('an invalid edit prints positioned errors and watching goes on; a later fix runs; a duplicate chain_id is refused', async () => {
    const { dir, cleanup } = await tempDir({ 'a.yaml': chain('a', '{ v: 1 }'), 'b.yaml': chain('b', '{ v: 1 }') });
    const w = await startWatch(['.'], { cwd: dir, env });
    try {
      writeFileSync(
        join(dir, 'a.yaml'),
        'version: 1\nchain_id: a\nsteps:\n  - action_id: da-echo\n    on_failure: maybe\n',
      );
      await w.see(/a\.yaml is not a valid chain; fix it and save again\na\.yaml:5:17 {2}error/, 'the positioned error');
      assert.match(w.out(), /\n {4}5 \| {5}on_failure: maybe\n {6}\| {17}\^/);
      writeFileSync(join(dir, 'b.yaml'), chain('a', '{ v: 2 }'));
      // a is invalid now, so its id is free and b may take it: it runs.
      await w.see(/✔ a b\.yaml — completed/, 'b, now with the id a');
      writeFileSync(join(dir, 'a.yaml'), chain('a', '{ v: 3 }'));
      await w.see(
        /a\.yaml:2:11 {2}error {2}chain_id `a` is already used by b\.yaml:2 \[chain\.duplicate_chain_id\]/,
        'the duplicate id',
      );
      writeFileSync(join(dir, 'a.yaml'), chain('a2', '{ v: 4 }'));
      await w.see(/✔ a2 a\.yaml — completed/, 'the fixed chain runs');
      assert.deepEqual(bodies(), [{ v: 2 }, { v: 4 }]);
      assert.equal(w.runs(), 2);
    } finally {
      assert.equal((await w.stop()).code, 130);
      await cleanup();
    }
  });

  test('save-by-rename counts once, both ways editors do it', async () => {
    const { dir, cleanup } = await tempDir({ 'c.yaml': chain('c', '{ v: 0 }') });
    const w = await startWatch(['.'], { cwd: dir, env });
    try {
      // Write a temporary file, then rename it over the chain (VS Code, atomic writers).
      writeFileSync(join(dir, 'c.yaml.tmp'), chain('c', '{ v: 1 }'));
      renameSync(join(dir, 'c.yaml.tmp'), join(dir, 'c.yaml'));
      await w.see(/completed: 1 passed/, 'the first run');
      await quiet();
      // Move the original away, then write the new file a moment later (vim with a backup).
      renameSync(join(dir, 'c.yaml'), join(dir, 'c.yaml~'));
      await new Promise((r) => setTimeout(r, 30));
      writeFileSync(join(dir, 'c.yaml'), chain('c', '{ v: 2 }'));
      await waitFor('the second run', () => bodies().length === 2, w.out);
      await quiet();
      assert.deepEqual(bodies(), [{ v: 1 }, { v: 2 }]);
      assert.equal(w.runs(), 2);
      assert.doesNotMatch(w.out(), /deleted|not a valid chain/);
    } finally {
      assert.equal((await w.stop()).code, 130);
      await cleanup();
    }
  });

  test('five saves within 50 ms are one run, of the last version', async () => {
    const { dir, cleanup } = await tempDir({ 'c.yaml': chain('c', '{ v: 0 }') });
    const w = await startWatch(['.'], { cwd: dir, env });
    try {
      const t0 = Date.now();
      for (let v = 1; v <= 5; v += 1) {
        writeFileSync(join(dir, 'c.yaml'), chain('c', `{ v: ${v} }`));
        if (v < 5) await new Promise((r) => setTimeout(r, 5));
      }
      assert.ok(Date.now() - t0 < 50, `the saves took ${Date.now() - t0} ms`);
      await w.see(/completed: 1 passed/, 'the run');
      await quiet();
      assert.deepEqual(bodies(), [{ v: 5 }]);
      assert.equal(w.runs(), 1);
    } finally {
      assert.equal((await w.stop()).code, 130);
      await cleanup();
    }
  });

  test('a change mid-run cancels it and runs again; an invalid edit mid-run cancels it; the audit records both as cancelled', async () => {
    const waiting = (v: number) => chain('slow', `{ v: ${v} }`, '  - action_id: da-wait\n');
    const { dir, cleanup } = await tempDir({ 'slow.yaml': waiting(0), 'other.yaml': chain('other', '{ other: 1 }') });
    const w = await startWatch(['.', '--audit', 'out/audit.jsonl'], { cwd: dir, env });
    const hung = () => sim.requests.filter((r) => r.actionId === 'da-wait').length;
    try {
      writeFileSync(join(dir, 'slow.yaml'), waiting(1));
      await waitFor('the first run to hang', () => hung() === 1, w.out);
      // Another chain changed meanwhile waits its turn.
      writeFileSync(join(dir, 'other.yaml'), chain('other', '{ other: 2 }'));
      await w.see(/other changed; it runs when slow ends/, 'other queued');
      writeFileSync(join(dir, 'slow.yaml'), waiting(2));
      await w.see(/■ slow cancelled: its file changed; running it again\n/, 'the cancel');
      await w.see(/▶ running again slow/, 'the restart');
      await waitFor('the second run to hang', () => hung() === 2, w.out);
      assert.deepEqual(
        bodies().filter((b) => b !== null && 'v' in b),
        [{ v: 1 }, { v: 2 }],
      );
      writeFileSync(join(dir, 'slow.yaml'), 'version: 1\nchain_id: slow\nsteps: []\n');
      await w.see(/■ slow cancelled: its file changed and cannot run as it is\n/, 'the cancel for an invalid edit');
      await w.see(/slow\.yaml:3:8 {2}error/, 'the error');
      await w.see(/✔ other other\.yaml — completed/, 'the queued chain, once the cancelled one ended');
      assert.deepEqual(bodies().at(-1), { other: 2 });
    } finally {
      assert.equal((await w.stop()).code, 130);
    }
    try {
      const audit = readAudit(join(dir, 'out/audit.jsonl'));
      const ends = audit.filter((e) => e.type === 'chain_end').map((e) => [e.chain_id, e.termination_reason]);
      assert.deepEqual(ends, [
        ['slow', 'cancelled'],
        ['slow', 'cancelled'],
        ['other', null],
      ]);
      assert.equal(
        new Set(audit.filter((e) => e.chain_id === 'slow').map((e) => e.run_id)).size,
        2,
        'two runs of slow',
      );
      assert.deepEqual(
        audit.slice(-2).map((e) => e.type),
        ['chain_end', 'run_end'],
      );
    } finally {
      await cleanup();
    }
  });

  test('deleting a file says so (and cancels its run); a rename runs the chain under its new name', async () => {
    const { dir, cleanup } = await tempDir({
      'a.yaml': chain('a', '{ a: 1 }', '  - action_id: da-wait\n'),
      'b.yaml': chain('b', '{ b: 1 }'),
    });
    const w = await startWatch(['.', '--audit', 'audit.jsonl'], { cwd: dir, env });
    try {
      writeFileSync(join(dir, 'a.yaml'), chain('a', '{ a: 2 }', '  - action_id: da-wait\n'));
      await waitFor('a to hang', () => sim.requests.some((r) => r.actionId === 'da-wait'), w.out);
      rmSync(join(dir, 'a.yaml'));
      await w.see(/■ a cancelled: its file was deleted\n/, 'the cancel');
      await w.see(/− a\.yaml was deleted\n/, 'the report');
      renameSync(join(dir, 'b.yaml'), join(dir, 'renamed.yaml'));
      await w.see(/− b\.yaml was deleted\n/, 'the old name');
      await w.see(/✔ b renamed\.yaml — completed/, 'the new name runs');
      assert.doesNotMatch(w.out(), /duplicate_chain_id/);
    } finally {
      const stopped = await w.stop('SIGTERM');
      assert.equal(stopped.code, 143);
    }
    try {
      const ends = readAudit(join(dir, 'audit.jsonl')).filter((e) => e.type === 'chain_end');
      assert.deepEqual(
        ends.map((e) => [e.chain_id, e.termination_reason]),
        [
          ['a', 'cancelled'],
          ['b', null],
        ],
      );
    } finally {
      await cleanup();
    }
  });

  test('--input goes to the chains that declare it; a chain missing a required input says so and does not run', async () => {
    const needs = (v: number) =>
      `version: 1\nchain_id: needs\ninputs:\n  customer_id: { type: string, required: true }\nsteps:\n  - action_id: da-echo\n    payload: { id: "\${{ inputs.customer_id }}", v: ${v} }\n`;
    const region =
      'version: 1\nchain_id: region\ninputs:\n  region: { type: string, required: true }\nsteps:\n  - action_id: da-echo\n    payload: { region: "${{ inputs.region }}" }\n';
    const { dir, cleanup } = await tempDir({
      'needs.yaml': needs(0),
      'plain.yaml': chain('plain', '{ p: 0 }'),
      'region.yaml': region,
    });
    const w = await startWatch(['.', '--input', 'customer_id=C-42', '--run-on-start'], { cwd: dir, env });
    try {
      assert.match(
        w.out(),
        /region \(region\.yaml\) cannot run yet:\n {2}region\.yaml: chain `region` needs the input `region`: pass --input region=…/,
      );
      assert.match(w.out(), /running every valid chain once, then save a chain file to run it/);
      await waitFor('the runs on start', () => sim.requests.length === 2, w.out);
      assert.deepEqual(bodies(), [{ id: 'C-42', v: 0 }, { p: 0 }]);
      writeFileSync(join(dir, 'plain.yaml'), chain('plain', '{ p: 1 }'));
      writeFileSync(join(dir, 'needs.yaml'), needs(1));
      await waitFor('both edits to run', () => sim.requests.length === 4, w.out);
      assert.deepEqual(
        new Set(
          bodies()
            .slice(2)
            .map((b) => JSON.stringify(b)),
        ),
        new Set([JSON.stringify({ p: 1 }), JSON.stringify({ id: 'C-42', v: 1 })]),
      );
      writeFileSync(join(dir, 'region.yaml'), `${region}# edited\n`);
      await w.see(/! region \(region\.yaml\) cannot run:\n/, 'the missing input on change');
      await quiet();
      assert.equal(sim.requests.length, 4);
    } finally {
      assert.equal((await w.stop()).code, 130);
      await cleanup();
    }
  });

  test('a chain whose vars.* or secrets.* is not set cannot run and says which variable to set', async () => {
    const needsKey = (v: number) =>
      chain('keyed', `{ key: "\${{ secrets.WATCH_KEY }}", v: ${v} }`, 'outputs:\n  r: ${{ vars.WATCH_MODE }}\n');
    const { dir, cleanup } = await tempDir({
      'keyed.yaml': needsKey(0),
      'region.yaml': chain('region', '{ region: "${{ vars.WATCH_REGION }}" }'),
    });
    const w = await startWatch(['.', '--run-on-start'], {
      cwd: dir,
      env: { ...env, CXCHAIN_VAR_WATCH_REGION: 'ap-south', CXCHAIN_VAR_WATCH_MODE: '' },
    });
    try {
      assert.match(
        w.out(),
        /keyed \(keyed\.yaml\) cannot run yet:\n {2}CXCHAIN_SECRET_WATCH_KEY is not set \(used by secrets\.WATCH_KEY in keyed\.yaml\)\n {2}CXCHAIN_VAR_WATCH_MODE is empty, which counts as not set \(used by vars\.WATCH_MODE in keyed\.yaml\)\n/,
      );
      await waitFor('the run on start', () => sim.requests.length === 1, w.out);
      assert.deepEqual(bodies(), [{ region: 'ap-south' }]);
      writeFileSync(join(dir, 'keyed.yaml'), needsKey(1));
      await w.see(
        /! keyed \(keyed\.yaml\) cannot run:\n {2}CXCHAIN_SECRET_WATCH_KEY is not set/,
        'the missing variable on change',
      );
      await quiet();
      assert.equal(sim.requests.length, 1);
    } finally {
      assert.equal((await w.stop()).code, 130);
      await cleanup();
    }
  });

  test('an empty folder is watched; files added to it and to a new subfolder run, other files are ignored', async () => {
    const { dir, cleanup } = await tempDir({ 'chains/README.md': '# chains\n' });
    const w = await startWatch(['chains'], { cwd: dir, env });
    try {
      assert.match(w.out(), /^watching chains: 0 chain files;/);
      assert.doesNotMatch(w.out(), /error/);
      writeFileSync(join(dir, 'chains/notes.txt'), 'not a chain\n');
      writeFileSync(join(dir, 'chains/README.md'), '# chains, edited\n');
      writeFileSync(join(dir, 'chains/new.yml'), chain('new', '{ n: 1 }'));
      await w.see(/✔ new chains\/new\.yml — completed/, 'the new file');
      mkdirSync(join(dir, 'chains/team/.hidden'), { recursive: true });
      writeFileSync(join(dir, 'chains/team/.hidden/skip.yaml'), chain('skip', '{ skip: 1 }'));
      writeFileSync(join(dir, 'chains/team/deep.yaml'), chain('deep', '{ deep: 1 }'));
      await w.see(/✔ deep chains\/team\/deep\.yaml — completed/, 'the file in a new folder');
      await quiet();
      assert.deepEqual(bodies(), [{ n: 1 }, { deep: 1 }]);
      assert.doesNotMatch(w.out(), /notes\.txt|README|not a valid/);
    } finally {
      assert.equal((await w.stop()).code, 130);
      await cleanup();
    }
  });

  test('a path that does not exist is exit 2', async () => {
    const { dir, cleanup } = await tempDir({ 'a.yaml': chain('a', '{}') });
    try {
      const r = await runCli(['watch', 'nope'], { cwd: dir, env, timeoutMs: 10_000 });
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /`nope` no such file or directory/);
    } finally {
      await cleanup();
    }
  });
});

describe('cxchain watch --sim: quitting leaves nothing behind', () => {
  test('SIGINT exits 130 by itself: the simulator stops listening, no watcher keeps the process alive', async () => {
    const { dir, cleanup } = await tempDir({ 'chains/a.yaml': chain('a', '{ v: 1 }') });
    const w = await startWatch(['--sim'], { cwd: dir });
    try {
      const [url] = await w.see(/http:\/\/127\.0\.0\.1:\d+/, 'the simulator URL');
      assert.match(w.out(), /runs go to the built-in simulator at http:\/\/127\.0\.0\.1:\d+/);
      writeFileSync(join(dir, 'chains/a.yaml'), chain('a', '{ v: 2 }'));
      await w.see(/✔ a chains\/a\.yaml — completed/, 'a run against the simulator');
      assert.equal(await accepts(url), true);
      // The CLI never calls process.exit: exiting proves chokidar, the server and every timer closed.
      const stopped = await w.stop('SIGINT', 5000);
      assert.equal(stopped.signal, null, 'not killed');
      assert.equal(stopped.code, 130);
      assert.ok(stopped.ms < 2000, `exited in ${stopped.ms} ms`);
      assert.match(w.out(), /stopped watching\n$/);
      assert.equal(await accepts(url), false, 'the simulator port is closed');
    } finally {
      await w.stop('SIGKILL');
      await cleanup();
    }
  });
});

// Keys need a terminal on stdin: util-linux `script` gives the CLI a pseudo-terminal.
const hasScript = process.platform === 'linux' && spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

describe('cxchain watch on a terminal', { skip: !hasScript && 'needs util-linux script for a pseudo-terminal' }, () => {
  for (const [key, name, code] of [
    ['q', 'q', 0],
    ['\u0003', 'Ctrl-C', 130],
  ] as const) {
    test(`${name} quits with exit ${code}`, async () => {
      const { dir, cleanup } = await tempDir({ 'chains/a.yaml': chain('a', '{}') });
      const command = `stty cols 120 rows 40; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} watch --sim`;
      const child = spawn('script', ['-qfec', command, '/dev/null'], {
        cwd: dir,
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      try {
        await waitFor(
          'the header',
          () => /press q to quit/.test(out),
          () => out,
        );
        child.stdin.write(key);
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        const exitCode = await exited;
        clearTimeout(timer);
        assert.equal(exitCode, code, out);
        assert.match(out, /stopped watching/);
      } finally {
        child.kill('SIGKILL');
        await cleanup();
      }
    });
  }
});
