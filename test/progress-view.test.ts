import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateChains, type ChainModel } from '../src/chain/index.js';
import {
  createProgressView,
  placeOf,
  reduceProgress,
  settleProgress,
  type ProgressView,
} from '../src/cli/render/progress-view.js';
import { childLines } from '../src/cli/render/tree-text.js';
import { notRunResult, type ParentRef, type RunEvent, type StepResult } from '../src/engine/index.js';
import { PLAIN } from '../src/report/text-style.js';

// The live tree's view is a pure function of the run's events (SPEC 3.3: a child's events carry
// its own chain_id and file and the chain steps above it): tested here with plain arrays of events.

const FILES = {
  'v/p.yaml':
    'version: 1\nchain_id: p\nsteps:\n  - id: first\n    action_id: da-echo\n  - id: crm1\n    uses: ./lib/mid.yaml\n  - id: crm2\n    uses: ./lib/mid.yaml\n',
  'v/q.yaml': 'version: 1\nchain_id: q\nsteps:\n  - id: go\n    uses: ./lib/mid.yaml\n',
  'v/lib/mid.yaml':
    'version: 1\nchain_id: mid\ncall_only: true\nsteps:\n  - id: update\n    action_id: da-update\n  - id: inner\n    uses: ./leaf.yaml\n',
  'v/lib/leaf.yaml': 'version: 1\nchain_id: leaf\ncall_only: true\nsteps:\n  - id: ping\n    action_id: da-echo\n',
};

function load(): ChainModel[] {
  const loaded = validateChains(Object.entries(FILES).map(([file, text]) => ({ file, text })));
  assert.deepEqual(loaded.diagnostics, []);
  return loaded.chains.filter((c) => !c.callOnly);
}

const base = { ts: '2026-01-01T00:00:00.000Z', run_id: 'r' };
const at = (chain_id: string, file: string, parent?: ParentRef[]) => ({
  ...base,
  chain_id,
  file,
  ...(parent ? { parent } : {}),
});
const under = (...steps: [string, string, string][]): ParentRef[] =>
  steps.map(([chain_id, file, step_id]) => ({ chain_id, file, step_id }));

function passed(step_index: number, step_id: string, action_id: string | null): StepResult {
  return {
    step_index,
    step_id,
    action_id,
    status: 'success',
    http_status: 200,
    attempts: 1,
    latency_ms: 5,
    started_at: base.ts,
    response_data: null,
    error: null,
  };
}

const chainStart = (where: ReturnType<typeof at>, steps: number): RunEvent => ({
  type: 'chain_start',
  ...where,
  revision: null,
  steps,
  global_timeout_ms: 1000,
});
const stepEnd = (where: ReturnType<typeof at>, result: StepResult): RunEvent => ({
  type: 'step_end',
  ...where,
  step_index: result.step_index,
  step_id: result.step_id,
  action_id: result.action_id,
  result,
});

function run(view: ProgressView, events: readonly RunEvent[]): ProgressView {
  return events.reduce(reduceProgress, view);
}

describe('the live tree view: events → a view, each child in the place it runs', () => {
  const chains = load();
  const P = at('p', 'v/p.yaml');
  const midUnderCrm1 = at('mid', 'v/lib/mid.yaml', under(['p', 'v/p.yaml', 'crm1']));
  const leafUnderCrm1 = at(
    'leaf',
    'v/lib/leaf.yaml',
    under(['p', 'v/p.yaml', 'crm1'], ['mid', 'v/lib/mid.yaml', 'inner']),
  );
  const midUnderGo = at('mid', 'v/lib/mid.yaml', under(['q', 'v/q.yaml', 'go']));

  test('a child used twice in one parent: its events land under the chain step they name, not under the file', () => {
    const initial = createProgressView(chains);
    const view = run(initial, [
      chainStart(P, 3),
      chainStart(midUnderCrm1, 2),
      {
        type: 'step_start',
        ...midUnderCrm1,
        step_index: 0,
        step_id: 'update',
        action_id: 'da-update',
        fallback: false,
      },
      stepEnd(midUnderCrm1, passed(0, 'update', 'da-update')),
    ]);
    const [p] = view.chains;
    assert.equal(p?.started, true);
    const crm1 = p?.steps[1]?.child;
    assert.equal(crm1?.started, true);
    assert.equal(crm1?.steps[0]?.result?.status, 'success');
    assert.equal(p?.steps[2]?.child, initial.chains[0]?.steps[2]?.child, 'crm2 runs the same file, and is untouched');
    assert.equal(view.chains[1], initial.chains[1], 'q is untouched');
  });

  test('a diamond: two parents running one child at once, interleaved, each sees its own run', () => {
    const view = run(createProgressView(chains), [
      chainStart(midUnderCrm1, 2),
      chainStart(midUnderGo, 2),
      { type: 'step_start', ...midUnderGo, step_index: 0, step_id: 'update', action_id: 'da-update', fallback: false },
      stepEnd(midUnderCrm1, passed(0, 'update', 'da-update')),
    ]);
    assert.equal(view.chains[0]?.steps[1]?.child?.steps[0]?.result?.status, 'success');
    const underGo = view.chains[1]?.steps[0]?.child?.steps[0];
    assert.equal(underGo?.started, true);
    assert.equal(underGo?.result, undefined, 'q › go › update is still running');
  });

  test('three levels: a grandchild found through both chain steps above it', () => {
    const view = run(createProgressView(chains), [
      chainStart(leafUnderCrm1, 1),
      stepEnd(leafUnderCrm1, passed(0, 'ping', 'da-echo')),
    ]);
    assert.deepEqual(placeOf(view, leafUnderCrm1), { top: 0, path: [1, 1] });
    assert.equal(view.chains[0]?.steps[1]?.child?.steps[1]?.child?.steps[0]?.result?.status, 'success');
  });

  test('what a running step is doing: the retry wait until the next request leaves, the fallback', () => {
    const step = { step_index: 0, step_id: 'update', action_id: 'da-update' };
    const activity = (events: RunEvent[]) =>
      run(createProgressView(chains), events).chains[0]?.steps[1]?.child?.steps[0]?.activity;
    const retry: RunEvent = {
      type: 'retry',
      ...midUnderCrm1,
      ...step,
      fallback: false,
      attempt: 1,
      reason: { kind: 'http', message: 'x', http_status: 503 },
      wait_ms: 1500,
      wait_source: 'backoff',
    };
    const request = (attempt: number, fallback = false): RunEvent => ({
      type: 'request',
      ...midUnderCrm1,
      ...step,
      fallback,
      attempt,
      request_id: 'q',
      idempotency_key: 'k',
    });
    assert.equal(activity([retry]), 'attempt 1 failed (503); waiting 1.5 s (backoff)');
    assert.equal(activity([retry, request(2)]), 'attempt 2');
    assert.equal(
      activity([{ type: 'step_start', ...midUnderCrm1, ...step, fallback: true }, request(1, true)]),
      'running fallback',
    );
    assert.equal(activity([retry, stepEnd(midUnderCrm1, passed(0, 'update', 'da-update'))]), undefined);
  });

  test('events of chains not shown, or whose parents do not match the tree, change nothing', () => {
    const initial = createProgressView(chains);
    for (const where of [
      at('x', 'v/x.yaml'),
      at('mid', 'v/lib/mid.yaml', under(['p', 'v/p.yaml', 'first'])),
      at('mid', 'v/lib/mid.yaml', under(['p', 'v/other.yaml', 'crm1'])),
      at('leaf', 'v/lib/leaf.yaml', under(['p', 'v/p.yaml', 'crm1'])),
    ])
      assert.equal(reduceProgress(initial, chainStart(where, 1)), initial, JSON.stringify(where));
  });

  test('settled at the end: every step that never ended is cancelled before it started', () => {
    const view = settleProgress(run(createProgressView(chains), [chainStart(P, 3)]));
    assert.equal(view.settled, true);
    assert.equal(view.chains[1]?.started, false);
    const leaf = view.chains[0]?.steps[1]?.child?.steps[1]?.child?.steps[0];
    assert.deepEqual(leaf?.result, notRunResult({ step_index: 0, step_id: 'ping', action_id: 'da-echo' }, 'cancelled'));
  });

  test("a child's lines under its chain step: each step's state, the grandchild two spaces deeper", () => {
    const view = run(createProgressView(chains), [
      chainStart(midUnderCrm1, 2),
      stepEnd(midUnderCrm1, passed(0, 'update', 'da-update')),
      {
        type: 'step_start',
        ...midUnderCrm1,
        step_index: 1,
        step_id: 'inner',
        action_id: null,
        uses: './leaf.yaml',
        fallback: false,
      },
      chainStart(leafUnderCrm1, 1),
      { type: 'step_start', ...leafUnderCrm1, step_index: 0, step_id: 'ping', action_id: 'da-echo', fallback: false },
    ]);
    const crm1 = view.chains[0]?.steps[1]?.child;
    assert.ok(crm1);
    assert.deepEqual(childLines(crm1, PLAIN), [
      '✔ update (da-update) — passed (200, 5.0 ms)',
      '❯ inner (./leaf.yaml)',
      '  ❯ ping (da-echo)',
    ]);
    const crm2 = view.chains[0]?.steps[2]?.child;
    assert.ok(crm2);
    assert.deepEqual(childLines(crm2, PLAIN), [], 'nothing under a chain step whose child has not started');
  });
});
