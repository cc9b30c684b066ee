import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createSimulator, type Simulator } from '../src/sim/index.js';
import { simulatorEnv, startWatch, tempDir, type Watcher, waitFor } from './helpers.js';

// SPEC 3.3 "Everything else follows" for SPEC 7: `watch` re-runs the top-level chains that use a
// saved child; a call_only file is validated, never run on its own. A spawned `cxchain watch` on
// real files, against a simulator whose requests the test reads.

/** Longer than the debounce (100 ms) plus chokidar's atomic window (100 ms), with room to spare. */
const QUIET_MS = 400;
const quiet = (ms = QUIET_MS) => new Promise((r) => setTimeout(r, ms));

/** A chain of one action step, then one chain step using `path`. */
const parent = (id: string, path: string) =>
  `version: 1\nchain_id: ${id}\nsteps:\n  - id: own\n    action_id: da-echo\n    payload: { chain: ${id} }\n  - id: crm\n    uses: ${path}\n    with: { n: "from-${id}" }\n`;

/** A child with a required input `n`; `callOnly` adds `call_only: true`. */
const child = (id: string, v: number, options: { callOnly?: boolean; action?: string; extraInput?: boolean } = {}) =>
  `version: 1\nchain_id: ${id}\n${options.callOnly === false ? '' : 'call_only: true\n'}inputs:\n  n: { type: string, required: true }\n` +
  `${options.extraInput ? '  region: { type: string, required: true }\n' : ''}` +
  `steps:\n  - action_id: ${options.action ?? 'da-echo'}\n    payload: { chain: ${id}, v: ${v}, n: "\${{ inputs.n }}" }\n`;

/** Waits until `pattern` (global) matched `times` times in the watcher's output. */
const seen = (w: Watcher, pattern: RegExp, times: number) =>
  waitFor(`${times} × ${pattern}`, () => (w.out().match(pattern)?.length ?? 0) >= times, w.out);

const plain = (id: string) =>
  `version: 1\nchain_id: ${id}\nsteps:\n  - action_id: da-echo\n    payload: { chain: ${id} }\n`;

describe('cxchain watch with chains that use chains (SPEC 3.3, 7)', () => {
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

  test('run on start skips a call_only file; saving it runs the chains that use it, never the child alone', async () => {
    const { dir, cleanup } = await tempDir({
      'chains/onboarding.yaml': parent('onboarding', './lib/crm.yaml'),
      'chains/lib/crm.yaml': child('crm', 1),
      'chains/plain.yaml': plain('plain'),
    });
    const w = await startWatch(['--run-on-start'], { cwd: dir, env });
    try {
      assert.match(
        w.out(),
        /^watching chains: 3 chain files \(1 call_only, run only inside the chains that use it\); runs go to/m,
      );
      assert.doesNotMatch(w.out(), /cannot run yet/, 'a call_only chain takes its inputs from `with:`');
      await waitFor('the runs on start', () => sim.requests.length === 3, w.out);
      await quiet();
      assert.deepEqual(bodies(), [
        { chain: 'onboarding' },
        { chain: 'crm', v: 1, n: 'from-onboarding' },
        { chain: 'plain' },
      ]);
      assert.equal(w.runs(), 2);
      assert.doesNotMatch(w.out(), /▶ running crm/);

      writeFileSync(join(dir, 'chains/lib/crm.yaml'), child('crm', 2));
      await seen(w, /✔ onboarding chains\/onboarding\.yaml — completed: 2 passed/g, 2);
      assert.match(
        w.out(),
        /✔ crm \(chains\/lib\/crm\.yaml\) is valid; it is call_only, so it runs only inside the chains that use it: chains\/onboarding\.yaml\n/,
      );
      assert.match(
        w.out(),
        /▶ running onboarding \(chains\/onboarding\.yaml\): it uses chains\/lib\/crm\.yaml, which changed\n/,
      );
      await quiet();
      assert.deepEqual(bodies().slice(3), [{ chain: 'onboarding' }, { chain: 'crm', v: 2, n: 'from-onboarding' }]);
      assert.equal(w.runs(), 3, 'the parent once; neither the child alone nor the chain that does not use it');
    } finally {
      assert.equal((await w.stop()).code, 130);
      await cleanup();
    }
  });

  test('a child two levels down re-runs the top chain only; a call_only file nobody uses is only checked', async () => {
    const { dir, cleanup } = await tempDir({
      'chains/top.yaml': parent('top', './lib/mid.yaml'),
      'chains/lib/mid.yaml':
        'version: 1\nchain_id: mid\ncall_only: true\ninputs:\n  n: { type: string, required: true }\nsteps:\n  - uses: ./leaf.yaml\n    with: { n: "${{ inputs.n }}" }\n',
      'chains/lib/leaf.yaml': child('leaf', 1),
      'chains/lib/unused.yaml': child('unused', 1),
    });
    const w = await startWatch([], { cwd: dir, env });
    try {
      writeFileSync(join(dir, 'chains/lib/leaf.yaml'), child('leaf', 2));
      await w.see(/✔ top chains\/top\.yaml — completed/, 'the top chain');
      assert.match(
        w.out(),
        /is call_only, so it runs only inside the chains that use it: chains\/lib\/mid\.yaml, chains\/top\.yaml\n/,
      );
      assert.deepEqual(bodies(), [{ chain: 'top' }, { chain: 'leaf', v: 2, n: 'from-top' }]);
      writeFileSync(join(dir, 'chains/lib/unused.yaml'), child('unused', 2));
      await w.see(
        /✔ unused \(chains\/lib\/unused\.yaml\) is valid; it is call_only, so it runs only inside the chains that use it, and no watched chain uses it\n/,
      );
      await quiet();
      assert.equal(w.runs(), 1);
      assert.equal(sim.requests.length, 2);
    } finally {
      assert.equal((await w.stop()).code, 130);
      await cleanup();
    }
  });

  test('an invalid child makes its callers invalid, each problem shown once at its own file; a fix runs them again', async () => {
    const broken = child('crm', 0).replace('type: string', 'type: strin');
    const { dir, cleanup } = await tempDir({
      'chains/onboarding.yaml': parent('onboarding', './lib/crm.yaml'),
      'chains/lib/crm.yaml': broken,
    });
    const w = await startWatch([], { cwd: dir, env });
    try {
      // At start: both files invalid, the child's own problem once, the parent's at its `uses:`.
      assert.match(w.out(), /^watching chains: 2 chain files, 2 invalid;/m);
      assert.equal(w.out().match(/chains\/lib\/crm\.yaml:5:14 {2}error .*\[schema\.enum\]/g)?.length, 1, w.out());
      assert.match(
        w.out(),
        /chains\/onboarding\.yaml:8:11 {2}error {2}`uses: \.\/lib\/crm\.yaml`: chains\/lib\/crm\.yaml is not a valid chain .*\[chain\.child_invalid\]/,
      );

      writeFileSync(join(dir, 'chains/lib/crm.yaml'), child('crm', 1));
      await w.see(/✔ onboarding chains\/onboarding\.yaml — completed: 2 passed/, 'the parent, once the child is fixed');
      assert.deepEqual(bodies().at(-1), { chain: 'crm', v: 1, n: 'from-onboarding' });

      // Valid on its own, but its parent's `with:` no longer fits: the parent cannot run.
      writeFileSync(join(dir, 'chains/lib/crm.yaml'), child('crm', 2, { extraInput: true }));
      await w.see(
        /✖ chains\/onboarding\.yaml cannot run after the change to chains\/lib\/crm\.yaml:\nchains\/onboarding\.yaml:9:5 {2}error {2}chains\/lib\/crm\.yaml requires the input `region`, which `with:` does not give \[chain\.missing_with\]/,
        'the parent, invalid with the new child',
      );
      assert.match(w.out(), /crm \(chains\/lib\/crm\.yaml\) is valid; it is call_only/);

      writeFileSync(join(dir, 'chains/lib/crm.yaml'), broken);
      await w.see(
        /✖ chains\/lib\/crm\.yaml is not a valid chain; fix it and save again\nchains\/lib\/crm\.yaml:5:14 {2}error/,
      );
      await w.see(
        /✖ chains\/onboarding\.yaml cannot run after the change to chains\/lib\/crm\.yaml:\nchains\/onboarding\.yaml:8:11 {2}error .*\[chain\.child_invalid\]\n/,
      );
      const afterBreak = w.out().slice(w.out().lastIndexOf('is not a valid chain; fix it'));
      assert.equal(
        afterBreak.match(/\[schema\.enum\]/g)?.length,
        1,
        'the child’s problem is not repeated under its parent',
      );

      rmSync(join(dir, 'chains/lib/crm.yaml'));
      await w.see(/− chains\/lib\/crm\.yaml was deleted\n/);
      await w.see(
        /✖ chains\/onboarding\.yaml cannot run after the change to chains\/lib\/crm\.yaml:\nchains\/onboarding\.yaml:8:11 {2}error {2}`uses: \.\/lib\/crm\.yaml`: there is no file chains\/lib\/crm\.yaml \[chain\.uses_not_found\]/,
      );
      await quiet();
      assert.equal(w.runs(), 1);
    } finally {
      assert.equal((await w.stop()).code, 130);
      await cleanup();
    }
  });

  test('a child saved during its parent’s run cancels that run and runs the parent again with the new child', async () => {
    const { dir, cleanup } = await tempDir({
      'chains/onboarding.yaml': parent('onboarding', './lib/crm.yaml'),
      'chains/lib/crm.yaml': child('crm', 0),
    });
    const w = await startWatch(['--audit', 'audit.jsonl'], { cwd: dir, env });
    try {
      writeFileSync(join(dir, 'chains/lib/crm.yaml'), child('crm', 1, { action: 'da-wait' }));
      await waitFor('the child step to hang', () => sim.requests.some((r) => r.actionId === 'da-wait'), w.out);
      writeFileSync(join(dir, 'chains/lib/crm.yaml'), child('crm', 2));
      await w.see(/■ onboarding cancelled: a chain it uses changed; running it again\n/, 'the cancel');
      await w.see(
        /▶ running again onboarding \(chains\/onboarding\.yaml\): it uses chains\/lib\/crm\.yaml, which changed\n/,
      );
      await w.see(/✔ onboarding chains\/onboarding\.yaml — completed: 2 passed/, 'the second run');
      assert.deepEqual(bodies().at(-1), { chain: 'crm', v: 2, n: 'from-onboarding' });
      await quiet();
      assert.equal(w.runs(), 2);
    } finally {
      assert.equal((await w.stop()).code, 130);
      await cleanup();
    }
  });

  test('a child that is not call_only runs itself and its callers', async () => {
    const { dir, cleanup } = await tempDir({
      'chains/onboarding.yaml': parent('onboarding', './shared.yaml'),
      'chains/shared.yaml': child('shared', 1, { callOnly: false }),
    });
    const w = await startWatch(['--input', 'n=given'], { cwd: dir, env });
    try {
      writeFileSync(join(dir, 'chains/shared.yaml'), child('shared', 2, { callOnly: false }));
      await w.see(/✔ shared chains\/shared\.yaml — completed/, 'the child as a top-level chain');
      await w.see(/✔ onboarding chains\/onboarding\.yaml — completed/, 'its caller');
      assert.match(w.out(), /▶ running shared \(chains\/shared\.yaml\)\n/);
      assert.match(
        w.out(),
        /▶ running onboarding \(chains\/onboarding\.yaml\): it uses chains\/shared\.yaml, which changed\n/,
      );
      await quiet();
      assert.deepEqual(
        bodies()
          .map((b) => JSON.stringify(b))
          .sort(),
        [
          { chain: 'onboarding' },
          { chain: 'shared', v: 2, n: 'from-onboarding' },
          { chain: 'shared', v: 2, n: 'given' },
        ]
          .map((b) => JSON.stringify(b))
          .sort(),
      );
      assert.equal(w.runs(), 2);
    } finally {
      assert.equal((await w.stop()).code, 130);
      await cleanup();
    }
  });
});
