import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readChainFile, validateParsed } from '../src/chain/index.js';
import { prng, runCli, tempDir } from './helpers.js';

const SEED = 0xc0ffee;
const COUNT = 2000;
const EXAMPLES = ['cust-data-sync-001', 'customer-eligibility', 'order-status-sms'].map((name) =>
  readFileSync(join(import.meta.dirname, '..', 'chains', `${name}.yaml`)),
);
const TOKENS = [
  '${{',
  '}}',
  '${{ steps.',
  '${{ inputs.x }}',
  ':',
  '- ',
  '[',
  ']',
  '{',
  '}',
  '&a',
  '*a',
  '!!binary',
  '!!js/function',
  '---',
  '...',
  '\t',
  '\n',
  '"',
  "'",
  '#',
  '|',
  '>',
  '?',
  ' ',
  '\u0000',
  '\uFEFF',
  '\u202E',
  '💥',
  'é',
  '1e400',
  '-0',
  '0x1F',
  '9'.repeat(400),
  'null',
  '~',
  'true',
  'version',
  'steps',
  'action_id',
  '<<: *a',
];

/** One broken or mutated chain file. */
function mutant(random: () => number, index: number): Buffer {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const base = Buffer.from(pick(EXAMPLES));
  switch (index % 8) {
    case 0: {
      // random bytes
      const bytes = Buffer.alloc(1 + Math.floor(random() * 400));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
      return bytes;
    }
    case 1:
      // a file cut anywhere, even inside a multi-byte character
      return base.subarray(0, Math.floor(random() * base.length));
    case 2: {
      // bytes flipped
      const copy = Buffer.from(base);
      for (let n = 0; n < 1 + random() * 6; n++) copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
      return copy;
    }
    case 3: {
      // YAML and expression tokens spliced in
      let text = base.toString('utf8');
      for (let n = 0; n < 1 + random() * 5; n++) {
        const at = Math.floor(random() * text.length);
        text = text.slice(0, at) + pick(TOKENS) + text.slice(at);
      }
      return Buffer.from(text);
    }
    case 4: {
      // deep nesting, flow or block
      const depth = random() < 0.05 ? 150_000 : 100 + Math.floor(random() * 5000);
      return Buffer.from(
        random() < 0.5
          ? `version: 1\nchain_id: deep\nsteps: ${'['.repeat(depth)}${']'.repeat(depth)}\n`
          : `version: 1\nchain_id: deep\npayload:\n${Array.from({ length: Math.min(depth, 800) }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n')} 1\n`,
      );
    }
    case 5: {
      // huge and odd numbers where integers are expected
      const value = pick(['1e400', '-1e400', '.nan', '.inf', '99999999999999999999999', '0.5', '-0', '0o17', '1_000']);
      return Buffer.from(
        `version: 1\nchain_id: nums\nmax_depth: ${value}\nglobal_timeout_seconds: ${value}\nsteps:\n  - action_id: a\n    timeout_seconds: ${value}\n    retry: { max_attempts: ${value} }\n`,
      );
    }
    case 6: {
      // alias bombs of growing size
      const levels = 3 + Math.floor(random() * 8);
      const lines = ['version: 1', 'chain_id: bomb', 'a0: &a0 [x, x, x, x, x, x, x, x, x]'];
      for (let i = 1; i < levels; i++)
        lines.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(', ')}]`);
      lines.push(`steps: [{ action_id: a, payload: { p: *a${levels - 1} } }]`);
      return Buffer.from(`${lines.join('\n')}\n`);
    }
    default: {
      // unicode in keys, ids and expressions
      const odd = pick(['💥', '\u202Eevil', 'ß', '中文', '\u0000', '\uFFFF', 'a\u0301']);
      return Buffer.from(
        `version: 1\nchain_id: "${odd}"\n${odd}: 1\nsteps:\n  - id: "${odd}"\n    action_id: "${odd}"\n    payload: { v: "\${{ steps.${odd}.output }}" }\n`,
      );
    }
  }
}

describe(`fuzz: ${COUNT} broken and mutated chain files (seed ${SEED.toString(16)})`, () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const files: string[] = [];
  before(async () => {
    ({ dir, cleanup } = await tempDir());
    const random = prng(SEED);
    for (let i = 0; i < COUNT; i++) {
      const file = join(dir, `f${String(i).padStart(4, '0')}.yaml`);
      writeFileSync(file, mutant(random, i));
      files.push(file);
    }
  });
  after(() => cleanup());

  test('every file is either a valid chain or has positioned problems with a message; nothing throws', () => {
    const t0 = performance.now();
    let invalid = 0;
    for (const file of files) {
      let result;
      try {
        result = validateParsed(file, readChainFile(file));
      } catch (error) {
        assert.fail(`${file} crashed validation: ${(error as Error).stack}`);
      }
      if (result.chain) {
        assert.deepEqual(result.diagnostics, []);
        continue;
      }
      invalid += 1;
      assert.ok(result.diagnostics.length > 0, `${file}: invalid without a problem`);
      for (const d of result.diagnostics) {
        assert.ok(d.message.length > 0, `${file}: empty message`);
        assert.ok(d.line === undefined || (Number.isInteger(d.line) && d.line >= 1), `${file}: line ${d.line}`);
        assert.ok(
          d.column === undefined || (Number.isInteger(d.column) && d.column >= 1),
          `${file}: column ${d.column}`,
        );
      }
    }
    assert.ok(invalid > COUNT * 0.9, `most mutants are invalid (${invalid})`);
    assert.ok(performance.now() - t0 < 60_000, 'bounded time');
  });

  test('the CLI validates them all in one process: exit 2, every invalid file named, JSON that parses', async () => {
    const r = await runCli(['validate', dir, '--format', 'json'], { timeoutMs: 60_000 });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, '');
    const report = JSON.parse(r.stdout) as {
      valid: boolean;
      files: { file: string; valid: boolean }[];
      diagnostics: { file: string; message: string }[];
    };
    assert.equal(report.files.length, COUNT);
    const withProblems = new Set(report.diagnostics.map((d) => d.file));
    for (const f of report.files) assert.equal(withProblems.has(f.file), !f.valid, f.file);
  });

  test('single files: exit 0 or 2 with a message, never a stack trace', async () => {
    const random = prng(SEED + 1);
    for (let n = 0; n < 12; n++) {
      const file = files[Math.floor(random() * files.length)] as string;
      const r = await runCli(['validate', file]);
      assert.ok(r.code === 0 || r.code === 2, `${file}: exit ${r.code}`);
      assert.ok(/valid|error/.test(r.stdout), `${file}: ${r.stdout}${r.stderr}`);
      if (r.code === 2) assert.match(r.stdout, /error/, file);
      assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
    }
  });
});
