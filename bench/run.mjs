// bench/run: cxchain's cost per step over the floor of a bare keep-alive HTTP POST loop, both
// against the same zero-latency simulator in the same process and run (issue 4).
// Usage: npm run build && node bench/run.mjs [runs]   (default 400 runs of the 3-step seed chain)
import { Agent, request } from 'node:http';
import { createClient, createSimulator, loadChains, runChain } from '../dist/index.js';

const RUNS = Number(process.argv[2] ?? 400);
const ROUNDS = 3;

const sim = await createSimulator();
const { chains } = await loadChains(['chains/cust-data-sync-001.yaml']);
const chain = chains[0];
if (!chain) throw new Error('chains/cust-data-sync-001.yaml did not load');
const steps = chain.steps.length;
const client = createClient({
  baseUrl: sim.url,
  tokenUrl: sim.tokenUrl,
  clientId: 'bench',
  clientSecret: 'bench-secret',
  grant: 'client_credentials',
  authMethod: 'body',
  scope: 'integration:data-actions:execute',
  executePath: '/api/v2/integration/data-actions/{actionId}/execute',
});

// The floor: the same requests (same paths, headers and bodies) with node:http and a keep-alive agent.
const token = await (
  await fetch(sim.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&client_id=b&client_secret=s',
  })
).json();
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const bodies = chain.steps.map((s) => JSON.stringify(s.payload.kind === 'literal' ? s.payload.value : {}));
const paths = chain.steps.map((s) => `/api/v2/integration/data-actions/${s.actionId}/execute`);
function post(i) {
  return new Promise((resolve, reject) => {
    const req = request(
      `${sim.url}${paths[i]}`,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token.access_token}`,
          'content-type': 'application/json',
          accept: 'application/json',
          'x-request-id': String(i),
          'idempotency-key': String(i),
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(JSON.parse(Buffer.concat(chunks).toString()))
            : reject(new Error(`status ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(bodies[i]);
  });
}

async function floorLoop() {
  for (let r = 0; r < RUNS; r++) for (let i = 0; i < steps; i++) await post(i);
}
async function fetchLoop() {
  for (let r = 0; r < RUNS; r++) {
    for (let i = 0; i < steps; i++) {
      const res = await fetch(`${sim.url}${paths[i]}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token.access_token}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: bodies[i],
      });
      await res.json();
    }
  }
}
async function cxchainLoop() {
  for (let r = 0; r < RUNS; r++) {
    const result = await runChain(chain, { client });
    if (result.final_status !== 'completed') throw new Error(`run ${r} ended ${result.final_status}`);
  }
}

async function time(fn) {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / (RUNS * steps);
}

// Warm up all three (JIT, connections, token), then take the best of a few rounds of each.
await floorLoop();
await fetchLoop();
await cxchainLoop();
const best = { floor: Infinity, fetch: Infinity, cxchain: Infinity };
for (let round = 0; round < ROUNDS; round++) {
  best.floor = Math.min(best.floor, await time(floorLoop));
  best.fetch = Math.min(best.fetch, await time(fetchLoop));
  best.cxchain = Math.min(best.cxchain, await time(cxchainLoop));
}
const requests = sim.requests.length;
await client.close();
await sim.close();
agent.destroy();

const row = (name, ms, note = '') => console.log(`${name.padEnd(44)} ${ms.toFixed(3).padStart(8)} ms/step${note}`);
console.log(
  `bench/run: ${RUNS} runs × ${steps} steps (chains/cust-data-sync-001.yaml), best of ${ROUNDS} rounds, ${requests} requests in all, Node ${process.version}`,
);
row('floor: node:http keep-alive POST loop', best.floor);
row('global fetch (undici) POST loop', best.fetch);
row('cxchain runChain (ofetch, retry policy, events)', best.cxchain);
const overhead = best.cxchain - best.floor;
console.log(
  `cxchain overhead over the floor: ${overhead.toFixed(3)} ms per step (target ≤ 0.300) ${overhead <= 0.3 ? 'OK' : 'OVER TARGET'}`,
);
