#!/usr/bin/env node
// bench/startup: cxchain's start-up next to bare `node -e 0`, measured in the same run, medians over
// interleaved rounds (issue 14, point 1): --version, --help, validate of one file, run --sim of the
// seed chain with stdout redirected, and — when `script` (util-linux) gives a pseudo-terminal —
// `run chains/ --sim` on a TTY against the same run with stdout redirected.
// Usage: npm run build && node bench/startup.mjs [--rounds 11] [--cli PATH]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// --cli PATH times another install of the same command (e.g. node_modules/cxchain/dist/cli.cjs of a
// project that installed the packed tarball) against the same baseline.
const cliArg = process.argv.indexOf('--cli');
const cli = cliArg > 0 ? resolve(process.argv[cliArg + 1]) : join(root, 'dist', 'cli.cjs');
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 11;
const SEED_CHAIN = 'chains/cust-data-sync-001.yaml';
const COLS = 120;

const quote = (s) => `'${String(s).replaceAll("'", "'\\''")}'`;
const node = (...args) => ({ command: process.execPath, args });
const cxchain = (...args) => node(cli, ...args);
/** A shell command line under a pseudo-terminal of COLS columns; `script -e` passes the exit code on. */
const onPty = (line) => ({ command: 'script', args: ['-qfec', `stty cols ${COLS}; ${line}`, '/dev/null'] });

const dir = mkdtempSync(join(tmpdir(), 'cxchain-bench-startup-'));
const redirectedOut = join(dir, 'redirected.out');
const runAll = [process.execPath, cli, 'run', 'chains/', '--sim'].map(quote).join(' ');
const hasPty = spawnSync('script', ['-qfec', `stty cols ${COLS}; test -t 1`, '/dev/null'], { stdio: 'ignore' });
const pty = hasPty.status === 0;

/** Each case: what to spawn, with stdout and stderr to a pipe unless the case says otherwise. */
const cases = {
  bare: { label: 'node -e 0 (baseline)', ...node('-e', '0') },
  version: { label: 'cxchain --version', ...cxchain('--version'), target: 1.2 },
  help: { label: 'cxchain --help', ...cxchain('--help'), target: 1.2 },
  validate: { label: `cxchain validate ${SEED_CHAIN}`, ...cxchain('validate', SEED_CHAIN), target: 1.6 },
  runSim: { label: `cxchain run --sim ${SEED_CHAIN} (redirected)`, ...cxchain('run', '--sim', SEED_CHAIN) },
  ...(pty && {
    tty: { label: 'cxchain run chains/ --sim, TTY (under script)', ...onPty(runAll) },
    redirected: {
      label: 'cxchain run chains/ --sim, redirected (under script)',
      ...onPty(`${runAll} > ${quote(redirectedOut)}`),
    },
  }),
};

/** The run's own account of its work: `… N steps run in X ms` from its summary line. */
const reported = { tty: [], redirected: [] };
function once(name) {
  const { command, args } = cases[name];
  const t0 = process.hrtime.bigint();
  const res = spawnSync(command, args, { cwd: root, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (res.error || res.status !== 0)
    throw new Error(
      `${cases[name].label} failed (${res.error?.message ?? `exit ${res.status}`}):\n${res.stdout}${res.stderr}`,
    );
  const text = name === 'redirected' ? readFileSync(redirectedOut, 'utf8') : res.stdout;
  const m = /steps? run in ([\d.]+) ms/.exec(text);
  if (m && name in reported) reported[name].push(Number(m[1]));
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

try {
  console.log(
    `bench/startup: ${ROUNDS} interleaved rounds after one warm-up, medians, Node ${process.version}, ` +
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  console.log(`cxchain: node ${cli}`);
  if (!pty) console.log('no pseudo-terminal (`script` from util-linux missing or failing): TTY rows skipped');
  const names = Object.keys(cases);
  for (const name of names) once(name);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order, so no case always follows the same one.
    const order = names.map((_, i) => names[(i + round) % names.length]);
    for (const name of order) samples[name].push(once(name));
  }
  const m = Object.fromEntries(names.map((n) => [n, median(samples[n])]));
  const check = (ratio, target) => `≤ ${target.toFixed(1)}× ${ratio <= target ? '✔' : '✖'}`;
  const line = (a, b, c, d) => console.log(`${a.padEnd(64)} ${b.padStart(10)} ${c.padStart(10)} ${d.padStart(10)}`);
  console.log('');
  line('command', 'median', '÷ node', 'target');
  for (const name of names) {
    const ratio = m[name] / m.bare;
    const { target } = cases[name];
    line(cases[name].label, `${m[name].toFixed(1)} ms`, `${ratio.toFixed(2)}×`, target ? check(ratio, target) : '');
  }
  if (pty) {
    const ratio = m.tty / m.redirected;
    console.log('');
    line('TTY ÷ stdout redirected (both under script, 120 cols)', '', `${ratio.toFixed(2)}×`, check(ratio, 1.2));
    const said = (xs) => (xs.length ? `${median(xs)} ms` : 'n/a');
    console.log(
      `the run's own "steps run in" figure (median): TTY ${said(reported.tty)}, redirected ${said(reported.redirected)}`,
    );
  }
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
