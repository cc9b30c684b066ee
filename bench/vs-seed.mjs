#!/usr/bin/env node
// bench/vs-seed: the mended seed (Python) and cxchain on the same 20-step chain against one fake
// tenant that neither of them wrote (bench/fake-tenant.mjs), as whole processes, interleaved rounds,
// every time read by the tenant's clock (issue 14, point 1).
// Usage: npm run build && node bench/vs-seed.mjs [--rounds 5] [--python /path/to/python3] [--cli PATH]
// The seed needs python3 with requests, pydantic and tenacity; --python, or else the first of $SEED_PYTHON,
// python3 and /usr/bin/python3 (where Debian's packages land) that imports all three, runs it.
// Nothing is installed: when none does, it says what to install and prints cxchain's figures alone.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeTenant } from './fake-tenant.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// --cli PATH times another install of the same command (e.g. node_modules/cxchain/dist/cli.cjs of a
// project that installed the packed tarball) against the same baseline.
const cliArg = process.argv.indexOf('--cli');
const cli = cliArg > 0 ? resolve(process.argv[cliArg + 1]) : join(root, 'dist', 'cli.cjs');
const seed = join(root, '..', 'shared', 'seed', 'seed_orchestrator_mended.py');
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 5;
/**
 * 20 steps: cxchain allows max_depth 1–25, the seed's ChainDefinition `max_depth: le=25` (its steps
 * validator reads max_depth before it is parsed and so always checks against 25). Both run 20.
 */
const STEPS = 20;
const PACKAGES = ['requests', 'pydantic', 'tenacity'];
const APT = 'apt-get install python3-requests python3-pydantic python3-tenacity';

const ids = Array.from({ length: STEPS }, (_, i) => `da-bench-step-${String(i + 1).padStart(2, '0')}`);
const steps = ids.map((id, i) => ({
  action_id: id,
  payload: { customerId: 'CUST-8842', step: i + 1, fields: ['name', 'email', 'tier'] },
  timeout_seconds: 20,
  on_failure: 'abort',
}));
const chainJson = { chain_id: 'bench-vs-seed', steps, max_depth: STEPS, global_timeout_seconds: 120 };
const chainYaml = [
  'version: 1',
  'chain_id: bench-vs-seed',
  `max_depth: ${STEPS}`,
  'global_timeout_seconds: 120',
  'steps:',
  ...steps.flatMap((s) => [
    `  - action_id: ${s.action_id}`,
    `    payload: ${JSON.stringify(s.payload)}`,
    `    timeout_seconds: ${s.timeout_seconds}`,
    `    on_failure: ${s.on_failure}`,
  ]),
  '',
].join('\n');

/** The first interpreter that imports the seed's packages, or what each candidate lacks. */
function findPython() {
  const pythonArg = process.argv.indexOf('--python');
  const candidates =
    pythonArg > 0
      ? [process.argv[pythonArg + 1]]
      : [...new Set([process.env.SEED_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean))];
  const problems = [];
  for (const python of candidates) {
    const probe = spawnSync(
      python,
      ['-c', `import sys, ${PACKAGES.join(', ')}; print(sys.version.split()[0], pydantic.VERSION)`],
      { encoding: 'utf8' },
    );
    if (probe.error) problems.push(`${python}: not found`);
    else if (probe.status !== 0)
      problems.push(`${python}: ${probe.stderr.trim().split('\n').at(-1) ?? `exit ${probe.status}`}`);
    else {
      const [version, pydantic] = probe.stdout.trim().split(' ');
      return { python, version, pydantic, problems };
    }
  }
  return { python: undefined, problems };
}

/** Spawn one whole process; resolve with its times (ms) read from the tenant's arrivals. */
function timeProcess(tenant, command, args, env) {
  tenant.reset();
  return new Promise((resolve, reject) => {
    let output = '';
    const t0 = process.hrtime.bigint();
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8').on('data', (d) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (output += d));
    let exitedAt;
    child.on('exit', () => (exitedAt = process.hrtime.bigint()));
    child.on('error', reject);
    child.on('close', (code) => {
      const execute = tenant.arrivals.execute;
      const order = execute.map((a) => a.actionId).join(',');
      if (code !== 0 || execute.length !== STEPS || order !== ids.join(','))
        return reject(
          new Error(`${command} ${args.join(' ')}: exit ${code}, ${execute.length} requests\n${output.slice(-2000)}`),
        );
      const ms = (from, to) => Number(to - from) / 1e6;
      resolve({
        first: ms(t0, execute[0].at),
        perStep: ms(execute[0].at, execute[STEPS - 1].at) / (STEPS - 1),
        whole: ms(t0, exitedAt),
        tokenRequests: tenant.arrivals.tokenRequests,
        connections: tenant.arrivals.connections,
      });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const dir = mkdtempSync(join(tmpdir(), 'cxchain-bench-vs-seed-'));
const tenant = await startFakeTenant();
try {
  const yamlFile = join(dir, 'bench-vs-seed.yaml');
  const jsonFile = join(dir, 'bench-vs-seed.json');
  writeFileSync(yamlFile, chainYaml);
  writeFileSync(jsonFile, `${JSON.stringify(chainJson, null, 2)}\n`);
  const found = findPython();
  const runners = {
    cxchain: () =>
      timeProcess(tenant, process.execPath, [cli, 'run', yamlFile], {
        CXONE_BASE_URL: tenant.url,
        CXONE_TOKEN_URL: tenant.tokenUrl,
        CXONE_CLIENT_ID: 'bench',
        CXONE_CLIENT_SECRET: 'bench-secret',
        NO_COLOR: '1',
      }),
  };
  if (found.python)
    runners.seed = () =>
      timeProcess(tenant, found.python, [seed, jsonFile], {
        SEED_BASE_URL: tenant.url,
        SEED_TOKEN_URL: tenant.tokenUrl,
        SEED_CLIENT_ID: 'bench',
        SEED_CLIENT_SECRET: 'bench-secret',
      });

  console.log(
    `bench/vs-seed: one ${STEPS}-step chain (max_depth ${STEPS}; both allow up to 25), one fake tenant ` +
      `(bench/fake-tenant.mjs, 0 ms, keep-alive), whole processes, ${ROUNDS} interleaved rounds after one warm-up, Node ${process.version}`,
  );
  console.log(
    `load average before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  if (found.python) console.log(`seed: ${found.python} (Python ${found.version}, pydantic ${found.pydantic}) ${seed}`);
  else {
    console.log(`seed: NOT RUN — no python3 with ${PACKAGES.join(', ')}:`);
    for (const p of found.problems) console.log(`  ${p}`);
    console.log(`  On Debian: ${APT}   (cxchain's figures follow alone)`);
  }
  for (const p of found.python ? found.problems : []) console.log(`  (skipped ${p})`);
  console.log(`cxchain: node ${cli} run <chain.yaml>, stdout and stderr to a pipe`);

  const names = Object.keys(runners);
  for (const name of names) await runners[name]();
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate who goes first, so neither always follows the other.
    const order = round % 2 ? [...names].reverse() : names;
    for (const name of order) samples[name].push(await runners[name]());
  }

  const figures = [
    ['spawn → first Data Action request', 'first'],
    [`steady per step (last − first) / ${STEPS - 1}`, 'perStep'],
    ['whole process (spawn → exit)', 'whole'],
  ];
  const fmt = (ms) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
  const cols = [38, 12, 12, 8, 16];
  const line = (...cells) => console.log(cells.map((c, i) => (i ? c.padStart(cols[i]) : c.padEnd(cols[0]))).join(' '));
  console.log('');
  line('figure (median)', 'seed', 'cxchain', 'ratio', 'target');
  for (const [label, key] of figures) {
    const c = median(samples.cxchain.map((s) => s[key]));
    if (!samples.seed) {
      line(label, '—', fmt(c), '—', '≤ 1.0× seed');
      continue;
    }
    const s = median(samples.seed.map((x) => x[key]));
    const ratio = c / s;
    line(label, fmt(s), fmt(c), `${ratio.toFixed(2)}×`, `≤ 1.0× ${ratio <= 1 ? '✔' : '✖'}`);
  }
  console.log('');
  for (const name of names) {
    const rounds = samples[name].map((s) => `${s.first.toFixed(0)}/${s.perStep.toFixed(2)}/${s.whole.toFixed(0)}`);
    console.log(`${name.padEnd(8)} rounds (first ms/per step ms/whole ms): ${rounds.join('  ')}`);
    const last = samples[name].at(-1);
    console.log(`${''.padEnd(8)} ${last.tokenRequests} token request(s), ${last.connections} TCP connection(s) a run`);
  }
  console.log('moonshot: ≤ 0.6× seed on all three');
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
} finally {
  await tenant.close();
  rmSync(dir, { recursive: true, force: true });
}
