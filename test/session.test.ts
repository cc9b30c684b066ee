import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { validateChains, type ChainModel } from '../src/chain/index.js';
import { createClient } from '../src/cxone/index.js';
import type { DataActionClient } from '../src/cxone/types.js';
import { ChainRunError, runChains, type ChainResult, type RunEvent } from '../src/engine/index.js';
import type { RunSink } from '../src/report/sink.js';
import { openRunSession } from '../src/session/index.js';
import { createSimulator, type Simulator } from '../src/sim/index.js';
import { simulatorEnv, tempDir } from './helpers.js';

function chains(...ids: string[]): ChainModel[] {
  const loaded = validateChains(
    ids.map((id) => ({
      file: `${id}.yaml`,
      text: `version: 1\nchain_id: ${id}\nsteps:\n  - action_id: ${id === 'slow' ? 'da-slow' : 'da-echo'}\n  - id: second\n    action_id: da-echo\n`,
    })),
  );
  assert.deepEqual(loaded.diagnostics, []);
  return loaded.chains;
}

/** Records every event and result it is handed, as a sink of the given audience. */
function recorder(audience: 'human' | 'data', throwOn?: RunEvent['type']) {
  const events: RunEvent[] = [];
  const results: ChainResult[] = [];
  const sink: RunSink = {
    name: 'recorder',
    audience,
    event(event) {
      if (event.type === throwOn) throw new TypeError('a bug in a renderer');
      events.push(event);
    },
    result: (result) => void results.push(result),
  };
  return { sink, events, results };
}

describe('the run session contains failures (issue 11)', () => {
  let sim: Simulator;
  before(async () => {
    sim = await createSimulator({ actions: { 'da-slow': { latency_ms: 300 } } });
  });
  after(async () => sim.close());
  beforeEach(() => sim.reset());

  const env = () => ({
    ...simulatorEnv(sim, 'session-test', 'session-test-secret'),
  });
  const context = () => ({ env: env(), warn: () => undefined, note: () => undefined, command: () => undefined });

  test('a sink that throws is a bug: the run stops, exit 70, the other sinks still get run_end', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const session = await openRunSession({ sim: false, audit: join(dir, 'audit.jsonl'), context: context() });
      const broken = recorder('human', 'step_end');
      const healthy = recorder('data');
      const outcome = await session.run(chains('a', 'slow', 'b', 'c', 'd', 'e'), {
        sinks: [broken.sink, healthy.sink],
        reports: { json: join(dir, 'r.json') },
        concurrency: 2,
      });
      await session.close();
      assert.equal(outcome.exitCode, 70);
      assert.equal(outcome.problem?.kind, 'internal');
      assert.match(outcome.problem?.message ?? '', /TypeError: a bug in a renderer/);
      assert.equal(healthy.events.at(-1)?.type, 'run_end');
      assert.equal((healthy.events.at(-1) as { exit_code: number }).exit_code, 70);
      // New work stopped: not every chain started. The slow request in flight was cancelled, and
      // the simulator records it only when its latency is over.
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.ok(sim.requests.length < 12, `${sim.requests.length} requests for 6 chains of 2 steps`);
      const audit = (await readFile(join(dir, 'audit.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as RunEvent & { request_id?: string });
      const recorded = new Set(audit.filter((e) => e.type === 'request').map((e) => e.request_id));
      for (const request of sim.requests)
        assert.ok(
          recorded.has(request.headers['x-request-id'] as string),
          'every request the server saw is in the audit',
        );
      const report = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8')) as { results: ChainResult[] };
      assert.equal(report.results.length, healthy.results.length, 'the report holds every chain that ended');
    } finally {
      await cleanup();
    }
  });

  test('a client that throws for one chain: the others are cancelled and reported, then ChainRunError', async () => {
    const real = createClient({
      baseUrl: sim.url,
      tokenUrl: sim.tokenUrl,
      clientId: 'session-test',
      clientSecret: 'session-test-secret',
      grant: 'client_credentials',
      authMethod: 'body',
      scope: 'integration:data-actions:execute',
      executePath: '/api/v2/integration/data-actions/{actionId}/execute',
    });
    let calls = 0;
    const faulty: DataActionClient = {
      ...real,
      execute: (request) => {
        calls += 1;
        // The third execution hits a bug while the slow chain's request is in flight.
        if (calls === 3) return Promise.reject(new RangeError('boom'));
        return real.execute(request);
      },
    };
    const ended: ChainResult[] = [];
    try {
      await assert.rejects(
        runChains(chains('slow', 'a', 'b', 'c', 'd'), {
          client: faulty,
          concurrency: 2,
          onResult: (result) => void ended.push(result),
        }),
        (error: unknown) => error instanceof ChainRunError && error.cause instanceof RangeError,
      );
      const slow = ended.find((r) => r.chain_id === 'slow');
      assert.equal(slow?.termination_reason, 'cancelled', 'the chain in flight was cancelled, not left running');
      assert.ok(!ended.some((r) => r.chain_id === 'd'), 'no new chain started after the bug');
      const sent = sim.requests.length;
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.equal(sim.requests.length, sent);
    } finally {
      await real.close();
    }
  });
});
