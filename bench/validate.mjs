#!/usr/bin/env node
// bench/validate: start-up and throughput of `cxchain validate` next to bare Node start-up, in one run,
// and composition (SPEC 3.3): 1,000 parents sharing 50 children cost what 1,050 files cost, not 3,000 uses.
// Usage: npm run build && node bench/validate.mjs [--runs 15]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli.cjs');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
const FILES = 1000;
/** The composition case: parents, the children they share, and how many each parent uses. */
const PARENTS = 1000;
const CHILDREN = 50;
const USES_EACH = 3;

/** A varied but valid chain: 1–8 steps, inputs, references, fallbacks, flow and block style. */
function chainText(i) {
  const steps = 1 + (i % 8);
  const lines = [
    '# yaml-language-server: $schema=../schemas/chain.schema.json',
    'version: 1',
    `chain_id: bench-${i}`,
    `revision: ${1 + (i % 5)}`,
    `description: Generated chain ${i}`,
    'max_depth: 10',
    `global_timeout_seconds: ${60 + (i % 10) * 30}`,
    'inputs:',
    '  customer_id: { type: string, required: true }',
    `  limit: { type: integer, default: ${i} }`,
    'defaults:',
    '  timeout_seconds: 20',
    `  retry: { max_attempts: ${1 + (i % 4)}, initial_delay_ms: 100, max_delay_ms: 1000 }`,
    'steps:',
  ];
  for (let s = 0; s < steps; s++) {
    lines.push(
      `  - id: s${s}`,
      `    action_id: da-action-${(i + s) % 13}`,
      '    payload:',
      `      customer: \${{ inputs.customer_id }}`,
      `      n: ${s}`,
    );
    if (s > 0) lines.push(`      previous: "\${{ steps.s${s - 1}.output.value }} and \${{ steps.s${s - 1}.status }}"`);
    if (s % 3 === 2) lines.push('    on_failure: fallback', '    fallback:', '      output: { queued: true }');
    else if (s % 3 === 1) lines.push('    on_failure: continue', '    idempotent: true');
  }
  lines.push('outputs:', `  last: \${{ steps.s${steps - 1}.status }}`);
  return `${lines.join('\n')}\n`;
}

/** A call-only child with an input and an output, like chains/lib/crm-sync.yaml. */
function childText(c) {
  return [
    'version: 1',
    `chain_id: child-${c}`,
    'call_only: true',
    'inputs:',
    '  customer_id: { type: string, required: true }',
    `  region: { type: string, default: R${c} }`,
    'steps:',
    '  - id: sync',
    `    action_id: da-child-${c % 7}`,
    '    payload:',
    '      customer: ${{ inputs.customer_id }}',
    '      region: ${{ inputs.region }}',
    '    expect:',
    '      - ${{ output.ok == true }}',
    'outputs:',
    '  status: ${{ steps.sync.status }}',
    '',
  ].join('\n');
}

/** A parent of `USES_EACH` children, a different mix for each parent, reading their outputs. */
function parentText(p) {
  const lines = ['version: 1', `chain_id: parent-${p}`, 'steps:'];
  for (let k = 0; k < USES_EACH; k++) {
    const c = (p * 7 + k * 13) % CHILDREN;
    lines.push(
      `  - id: use${k}`,
      `    uses: ../lib/child-${String(c).padStart(2, '0')}.yaml`,
      `    with: { customer_id: "C-${p}" }`,
    );
    if (k > 0) lines.push(`    if: \${{ steps.use${k - 1}.output.status == 'success' }}`);
  }
  lines.push('outputs:', `  last: \${{ steps.use${USES_EACH - 1}.output.status }}`, '');
  return lines.join('\n');
}

function time(args) {
  const samples = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    const res = spawnSync(process.execPath, args, { encoding: 'utf8' });
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (res.status !== 0) throw new Error(`${args.join(' ')} exited ${res.status}: ${res.stderr}`);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)], min: samples[0] };
}

const dir = mkdtempSync(join(tmpdir(), 'cxchain-bench-'));
try {
  mkdirSync(join(dir, 'chains'));
  for (let i = 0; i < FILES; i++)
    writeFileSync(join(dir, 'chains', `chain-${String(i).padStart(4, '0')}.yaml`), chainText(i));
  // The children are reached only through `uses:`; the `.git` makes the folder their repository root.
  mkdirSync(join(dir, 'shared', '.git'), { recursive: true });
  mkdirSync(join(dir, 'shared', 'lib'));
  mkdirSync(join(dir, 'shared', 'parents'));
  for (let c = 0; c < CHILDREN; c++)
    writeFileSync(join(dir, 'shared', 'lib', `child-${String(c).padStart(2, '0')}.yaml`), childText(c));
  for (let p = 0; p < PARENTS; p++)
    writeFileSync(join(dir, 'shared', 'parents', `parent-${String(p).padStart(4, '0')}.yaml`), parentText(p));
  const bare = time(['-e', '0']);
  const one = time([cli, 'validate', join(dir, 'chains', 'chain-0007.yaml')]);
  const all = time([cli, 'validate', join(dir, 'chains')]);
  const row = (name, t, note = '') =>
    console.log(`${name.padEnd(46)} ${t.median.toFixed(1).padStart(8)} ms ${t.min.toFixed(1).padStart(8)} ms  ${note}`);
  console.log(`${'command'.padEnd(46)} ${'median'.padStart(11)} ${'min'.padStart(11)}  (${runs} runs each)`);
  row('node -e 0 (baseline)', bare);
  row('cxchain validate <1 file>', one, `${(one.median / bare.median).toFixed(2)}x baseline (target <= 2.5x)`);
  row(
    `cxchain validate <${FILES} files>`,
    all,
    `target < 1000 ms; ${((all.median - one.median) / FILES).toFixed(3)} ms per extra file`,
  );
  const shared = time([cli, 'validate', join(dir, 'shared', 'parents')]);
  const files = PARENTS + CHILDREN;
  row(
    `cxchain validate <${PARENTS} parents, ${CHILDREN} children>`,
    shared,
    `${PARENTS * USES_EACH} uses; ${((shared.median - one.median) / files).toFixed(3)} ms per extra file (each child read once)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
