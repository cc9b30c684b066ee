// What the live tree says about chains that wait, never start, or hang (issue 16), on a real
// pseudo-terminal against a real simulator.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runOnTerminal, useSimulator } from './helpers.js';

const hasScript = process.platform === 'linux' && spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

const CHAINS = Object.fromEntries(
  Array.from({ length: 6 }, (_, i) => [
    `c${i + 1}.yaml`,
    `version: 1\nchain_id: c${i + 1}\nsteps:\n  - id: wait\n    action_id: da-slow\n    timeout_seconds: 5\n`,
  ]),
);

const SLOW = 'version: 1\nchain_id: w\nsteps:\n  - id: wait\n    action_id: da-slower\n    timeout_seconds: 5\n';

const CONTINUED =
  'version: 1\nchain_id: cont\nsteps:\n  - action_id: da-missing\n    on_failure: continue\n  - action_id: da-slow\n';
const STOPPED = 'version: 1\nchain_id: stop\nsteps:\n  - action_id: da-missing\n  - action_id: da-slow\n';

const fx = useSimulator({
  actions: {
    'da-slow': { body: { ok: true }, latency_ms: 700 },
    'da-slower': { body: { ok: true }, latency_ms: 2500 },
  },
  files: {
    ...CHAINS,
    'watch/w.yaml': SLOW,
    'more/cont.yaml': CONTINUED,
    'more/stop.yaml': STOPPED,
  },
  client: 'states-test',
});

describe('honest states in the live tree', { skip: !hasScript && 'needs util-linux script' }, () => {
  test('6 chains at concurrency 2: the queued ones wait, the running ones show their clock; one final tree', async () => {
    const r = await runOnTerminal(['run', ...Object.keys(CHAINS), '--concurrency', '2'], { cwd: fx.dir, env: fx.env });
    assert.equal(r.code, 0, r.raw);
    const early = r.frames.find((f) => /\S wait \(da-slow\) — \d+\.\d s \/ 5 s/.test(f));
    assert.ok(early, `no frame shows a step's clock:\n${r.frames.join('\n-----\n')}`);
    // Two running, four waiting: the waiting ones have listr2's waiting square, not a spinner.
    const queued = early.split('\n').filter((l) => /^◼ c\d c\d\.yaml — queued$/.test(l));
    assert.equal(queued.length, 4, early);
    const last = r.frames.at(-1) ?? '';
    assert.equal(last.split('\n').filter((l) => /^✔ c\d c\d\.yaml — completed/.test(l)).length, 6, last);
    assert.doesNotMatch(last, /queued/);
    // The run's line is the last thing printed: no second tree after it.
    // eslint-disable-next-line no-control-regex -- removing terminal sequences is the point
    const shown = r.raw.replace(/\r/g, '').replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
    assert.match(
      shown,
      /\n {2}✔ wait \(da-slow\) — passed \(200, [\d.]+ m?s\)\n6 chains: 6 completed; 6 steps run in [\d.]+ m?s\n$/,
    );
  });

  test('watch: a save during a run cancels it in one line, and every finished run says it waits', async () => {
    // The first run takes 2.5 s; the save comes while it runs.
    const save = setTimeout(() => void writeFile(join(fx.dir, 'watch', 'w.yaml'), `${SLOW}# saved\n`), 1800);
    const r = await runOnTerminal(['watch', 'watch/w.yaml', '--run-on-start'], {
      cwd: fx.dir,
      env: fx.env,
      prefix: 'timeout --preserve-status -s INT 7',
    });
    clearTimeout(save);
    // eslint-disable-next-line no-control-regex -- removing terminal sequences is the point
    const shown = r.raw.replace(/\r/g, '').replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
    assert.match(shown, /■ w cancelled: its file changed; running it again\n/);
    // The cancelled run's tree was erased, not left behind in red.
    assert.doesNotMatch(shown, /✖ wait \(da-slower\)/);
    assert.doesNotMatch(shown, /› cancelled/);
    assert.equal(shown.match(/waiting for changes · q to quit\n/g)?.length, 1, shown);
    assert.match(
      shown,
      /✔ w watch\/w\.yaml — completed[^\n]*\n {2}✔ wait \(da-slower\) — passed[^\n]*\n(.*\n)*.*waiting for changes · q to quit\n/,
    );
  });

  test('watch: no "waiting" line while another run is queued to start', async () => {
    const r = await runOnTerminal(['watch', 'watch/w.yaml', 'c1.yaml', '--run-on-start'], {
      cwd: fx.dir,
      env: fx.env,
      prefix: 'timeout --preserve-status -s INT 7',
    });
    // eslint-disable-next-line no-control-regex -- removing terminal sequences is the point
    const shown = r.raw.replace(/\r/g, '').replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
    assert.equal(shown.match(/waiting for changes/g)?.length, 1, shown);
    assert.ok(shown.lastIndexOf('✔ c1 c1.yaml — completed') < shown.indexOf('waiting for changes'), shown);
    assert.ok(shown.indexOf('✔ w watch/w.yaml — completed') < shown.indexOf('✔ c1 c1.yaml — completed'), shown);
  });

  test("a chain's mark is its outcome, as in plain lines: ✔ completed (a failure continued), ✖ ended early", async () => {
    const r = await runOnTerminal(['run', 'more/cont.yaml', 'more/stop.yaml'], { cwd: fx.dir, env: fx.env });
    assert.equal(r.code, 1, r.raw);
    const last = (r.frames.at(-1) ?? '').split('\n');
    assert.ok(
      last.some((l) => l.startsWith('✔ cont more/cont.yaml — completed: 1 passed, 1 failed')),
      last.join('\n'),
    );
    assert.ok(
      last.some((l) => l.startsWith('✖ stop more/stop.yaml — terminated early (abort)')),
      last.join('\n'),
    );
    assert.ok(!last.some((l) => l.startsWith('⚠') || l.startsWith('❯')), last.join('\n'));
  });

  test('a terminal that reports 0 columns: the tree is drawn 80 wide, not a character a line', async () => {
    const r = await runOnTerminal(['run', 'c1.yaml'], { cwd: fx.dir, env: { ...fx.env, COLUMNS: '' }, columns: 0 });
    assert.equal(r.code, 0, r.raw);
    assert.deepEqual(
      (r.frames.at(-1) ?? '').split('\n').map((l) => l.replace(/\d+(\.\d+)? m?s\b/g, 'T')),
      [
        '✔ c1 c1.yaml — completed: 1 passed in T (completion rate 100%)',
        '  ✔ wait (da-slow) — passed (200, T)',
        '1 chain: 1 completed; 1 step run in T',
        '',
      ],
    );
  });

  test('Ctrl-C: chains that never started are cancelled, never ✔', async () => {
    const r = await runOnTerminal(['run', ...Object.keys(CHAINS), '--concurrency', '2'], {
      cwd: fx.dir,
      env: fx.env,
      prefix: 'timeout --preserve-status -s INT 1.2',
    });
    assert.equal(r.code, 130, r.raw);
    const last = r.frames.at(-1) ?? '';
    const never = last.split('\n').filter((l) => /^↓ c\d c\d\.yaml — cancelled before it started$/.test(l));
    assert.ok(never.length >= 2, last);
    for (const line of last.split('\n')) {
      const id = /^. (c\d) /.exec(line)?.[1];
      if (id && never.some((n) => n.includes(` ${id} `))) assert.doesNotMatch(line, /^✔/);
    }
    assert.doesNotMatch(last, /^✔ .*cancelled/m);
  });
});
