// bench/scale: many chains under the tenant's rate limit (issue 7).
//  1. 100 chains × 3 steps through `cxchain run --rate-limit 50/s --concurrency 50` against the
//     simulator limited to 50 requests/s: wall time next to the theoretical minimum.
//  2. 1,000 chains × 3 steps through `cxchain run` with reports and audit: peak RSS of the CLI.
//  3. 150 one-step chains with global_timeout_seconds: 60 at `--rate-limit 100/m` (issue 12): the
//     limit paces and fails nothing; about 61 s by design (skip it with --quick).
// Usage: npm run build && node bench/scale.mjs [--quick]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulator } from '../dist/index.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'cli.cjs');

function writeChains(dir, count) {
  for (let i = 0; i < count; i++) {
    const id = `scale-${String(i).padStart(4, '0')}`;
    writeFileSync(
      join(dir, `${id}.yaml`),
      `version: 1\nchain_id: ${id}\nsteps:\n  - id: profile\n    action_id: da-fetch-customer-profile\n    payload: { customerId: C-${i} }\n  - action_id: da-validate-tier-eligibility\n    payload: { tier: "\${{ steps.profile.output.tier }}" }\n  - action_id: da-echo\n    payload: { n: ${i} }\n`,
    );
  }
}

/** Runs the CLI, sampling its peak RSS (VmHWM) from /proc while it runs. */
function runCli(args, env) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env, NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    let peakKb = 0;
    const sample = () => {
      try {
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
      } catch {
        // the process has just ended
      }
    };
    const timer = setInterval(sample, 20);
    const kill = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('exit', (code) => {
      clearInterval(timer);
      clearTimeout(kill);
      resolve({ code, ms: performance.now() - t0, peakMb: peakKb / 1024, stderr });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'cxchain-scale-'));
try {
  // 1. Throughput under the limit.
  const RATE = 50;
  const limited = await createSimulator({ rateLimit: { limit: RATE, windowMs: 1000 } });
  mkdirSync(join(dir, 'hundred'));
  writeChains(join(dir, 'hundred'), 100);
  const env = (sim) => ({
    CXONE_BASE_URL: sim.url,
    CXONE_TOKEN_URL: sim.tokenUrl,
    CXONE_CLIENT_ID: 'bench',
    CXONE_CLIENT_SECRET: 'bench-secret',
  });
  const report = join(dir, 'hundred.json');
  const r1 = await runCli(
    [
      'run',
      join(dir, 'hundred'),
      '--rate-limit',
      `${RATE}/s`,
      '--concurrency',
      '50',
      '--renderer',
      'simple',
      '--report',
      `json=${report}`,
    ],
    env(limited),
  );
  const results = JSON.parse(readFileSync(report, 'utf8')).results;
  const steps = results.reduce((n, r) => n + r.aggregated_responses.length, 0);
  const ok = results.reduce((n, r) => n + r.counts.success, 0);
  const requests = limited.requests.length;
  const throttled = limited.requests.filter((r) => r.status === 429).length;
  const minimumMs = (steps / RATE) * 1000;
  await limited.close();

  // 2. Memory with 1,000 chains, reports and audit.
  const free = await createSimulator();
  mkdirSync(join(dir, 'thousand'));
  writeChains(join(dir, 'thousand'), 1000);
  const r2 = await runCli(
    [
      'run',
      join(dir, 'thousand'),
      '--concurrency',
      '50',
      '--renderer',
      'simple',
      '--report',
      `json=${join(dir, 'k.json')}`,
      '--report',
      `junit=${join(dir, 'k.xml')}`,
      '--audit',
      join(dir, 'k.jsonl'),
    ],
    env(free),
  );
  const kResults = JSON.parse(readFileSync(join(dir, 'k.json'), 'utf8')).results;
  await free.close();

  // 3. Pacing at a per-minute limit: 150 requests at 100/m cannot finish before the second minute.
  let paced;
  if (!process.argv.includes('--quick')) {
    const PER_MINUTE = 100;
    const tenant = await createSimulator({ rateLimit: { limit: PER_MINUTE, windowMs: 60_000 } });
    mkdirSync(join(dir, 'paced'));
    for (let i = 0; i < 150; i++)
      writeFileSync(
        join(dir, 'paced', `paced-${String(i).padStart(3, '0')}.yaml`),
        `version: 1\nchain_id: paced-${i}\nglobal_timeout_seconds: 60\nsteps:\n  - action_id: da-echo\n    payload: { n: ${i} }\n`,
      );
    const pacedReport = join(dir, 'paced.json');
    const r3 = await runCli(
      [
        'run',
        join(dir, 'paced'),
        '--rate-limit',
        `${PER_MINUTE}/m`,
        '--renderer',
        'simple',
        '--report',
        `json=${pacedReport}`,
      ],
      env(tenant),
    );
    const pacedResults = JSON.parse(readFileSync(pacedReport, 'utf8')).results;
    paced = {
      code: r3.code,
      ms: r3.ms,
      // The floor: the first 100 leave at once, the 101st one window after the first.
      floorMs: 60_000,
      failed: pacedResults.filter((r) => r.final_status !== 'completed').length,
      total: pacedResults.length,
      throttled: tenant.requests.filter((r) => r.status === 429).length,
      requests: tenant.requests.length,
      stderr: r3.stderr,
    };
    await tenant.close();
  }

  console.log(`bench/scale (Node ${process.version})`);
  console.log(
    `100 chains × 3 steps, simulator limited to ${RATE}/s, --rate-limit ${RATE}/s --concurrency 50 (exit ${r1.code})`,
  );
  console.log(`  wall time            ${(r1.ms / 1000).toFixed(2)} s   (process start-up included)`);
  console.log(`  theoretical minimum  ${(minimumMs / 1000).toFixed(2)} s   (${steps} steps ÷ ${RATE}/s)`);
  console.log(
    `  ratio                ${(r1.ms / minimumMs).toFixed(3)}    (target ≤ 1.10; under 1 is possible: the first window's ${RATE} requests leave at once)`,
  );
  console.log(
    `  429s seen            ${throttled} of ${requests} requests (${((throttled / requests) * 100).toFixed(1)} %, target ≤ 5 %)`,
  );
  console.log(`  steps lost           ${steps - ok} of ${steps} (target 0)`);
  console.log(`1,000 chains × 3 steps, --concurrency 50, json + junit reports and audit (exit ${r2.code})`);
  console.log(`  wall time            ${(r2.ms / 1000).toFixed(2)} s, ${kResults.length} results`);
  console.log(`  peak RSS             ${r2.peakMb.toFixed(1)} MB   (target < 150 MB)`);
  if (paced) {
    console.log(`150 one-step chains, global_timeout_seconds: 60, --rate-limit 100/m (exit ${paced.code})`);
    console.log(
      `  wall time            ${(paced.ms / 1000).toFixed(2)} s   (floor ${(paced.floorMs / 1000).toFixed(2)} s: 150 requests at 100/m, the first 100 at once)`,
    );
    console.log(`  failed chains        ${paced.failed} of ${paced.total} (target 0)`);
    console.log(`  429s seen            ${paced.throttled} of ${paced.requests} requests`);
  }
  if (r1.code !== 0 || r2.code !== 0 || (paced && paced.code !== 0))
    console.log(r1.stderr.slice(-2000), r2.stderr.slice(-2000), paced?.stderr.slice(-2000) ?? '');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
