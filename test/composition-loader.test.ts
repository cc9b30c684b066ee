/**
 * The loader's pass across files (SPEC 3.3) as data: each file read once however many chains use
 * it, names as the loader's working directory sees them, and graphs a hostile repository could
 * make (thousands of files in a row) said without overflowing the stack.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { createChainLoader, diagnostic, parseChainText, type ChainReader } from '../src/chain/index.js';

const CWD = '/virtual/repo';

/** A reader of in-memory files that counts how often each one is read. */
function countingReader(texts: Readonly<Record<string, string>>): { reader: ChainReader; reads: Map<string, number> } {
  const byPath = new Map(Object.entries(texts).map(([file, text]) => [resolve(CWD, file), text]));
  const reads = new Map<string, number>();
  const reader: ChainReader = {
    read(file) {
      const path = resolve(CWD, file);
      reads.set(path, (reads.get(path) ?? 0) + 1);
      const text = byPath.get(path);
      return text === undefined
        ? { diagnostics: [diagnostic('path.not_found', file, undefined, `\`${file}\` no such file or directory`)] }
        : parseChainText(file, text);
    },
  };
  return { reader, reads };
}

const leaf = (id: string) => `version: 1\nchain_id: ${id}\ncall_only: true\nsteps:\n  - action_id: da-${id}\n`;
const parent = (id: string, ...uses: string[]) =>
  `version: 1\nchain_id: ${id}\nsteps:\n${uses.map((u, i) => `  - id: s${i}\n    uses: ${u}\n`).join('')}`;

describe('the loader reads each file once (SPEC 3.3: load time grows with files, not with uses)', () => {
  test('a diamond: the shared child is read and parsed once, and again only after invalidate', () => {
    const { reader, reads } = countingReader({
      'a.yaml': parent('a', './lib/b.yaml', './lib/c.yaml', './lib/b.yaml'),
      'lib/b.yaml': parent('b', './d.yaml'),
      'lib/c.yaml': parent('c', './d.yaml', './../lib/d.yaml'),
      'lib/d.yaml': leaf('d'),
    });
    const loader = createChainLoader({ cwd: CWD, reader });
    const first = loader.load(['a.yaml']);
    assert.deepEqual(first.diagnostics, []);
    assert.deepEqual(first.files, ['a.yaml', 'lib/b.yaml', 'lib/c.yaml', 'lib/d.yaml']);
    assert.deepEqual([...reads.values()], [1, 1, 1, 1]);
    // The child models are shared, not copies.
    const [a] = first.chains;
    const childOf = (i: number) => (a?.steps[i]?.kind === 'chain' ? a.steps[i].child : undefined);
    assert.equal(childOf(0), childOf(2));

    loader.load(['a.yaml']);
    assert.deepEqual([...reads.values()], [1, 1, 1, 1], 'a second load reads nothing again');
    loader.invalidate('lib/d.yaml');
    loader.load(['a.yaml']);
    assert.equal(reads.get(resolve(CWD, 'lib/d.yaml')), 2);
    assert.equal(reads.get(resolve(CWD, 'a.yaml')), 1);
    assert.deepEqual(loader.callersOf('lib/d.yaml').sort(), ['a.yaml', 'lib/b.yaml', 'lib/c.yaml']);
    assert.deepEqual(loader.filesOf('lib/c.yaml'), ['lib/c.yaml', 'lib/d.yaml']);
  });

  test('1,000 parents sharing 50 children, 3 each: 1,050 reads, one per file', () => {
    const texts: Record<string, string> = {};
    for (let c = 0; c < 50; c++) texts[`lib/child-${c}.yaml`] = leaf(`child-${c}`);
    const parents: string[] = [];
    for (let p = 0; p < 1000; p++) {
      const file = `p-${p}.yaml`;
      parents.push(file);
      texts[file] = parent(`p-${p}`, ...[0, 1, 2].map((k) => `./lib/child-${(p * 7 + k * 13) % 50}.yaml`));
    }
    const { reader, reads } = countingReader(texts);
    const result = createChainLoader({ cwd: CWD, reader }).load(parents);
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.chains.length, 1000);
    assert.equal(result.files.length, 1050);
    assert.equal(reads.size, 1050);
    assert.deepEqual(new Set(reads.values()), new Set([1]));
  });
});

describe('the pass across files on graphs a hostile repository could make', () => {
  test('a chain of 12,000 files in a row: said once where 6 nest, no stack overflow', () => {
    const N = 12_000;
    const texts: Record<string, string> = {};
    for (let i = 0; i < N; i++) texts[`c${i}.yaml`] = i < N - 1 ? parent(`c${i}`, `./c${i + 1}.yaml`) : leaf(`c${i}`);
    const { reader, reads } = countingReader(texts);
    const result = createChainLoader({ cwd: CWD, reader }).load(['c0.yaml']);
    assert.equal(reads.size, N);
    const tooDeep = result.diagnostics.filter((d) => d.code === 'chain.nesting_too_deep');
    assert.deepEqual(
      tooDeep.map((d) => [d.file, d.line, d.column]),
      [[`c${N - 6}.yaml`, 5, 11]],
    );
    const top = result.diagnostics.find((d) => d.file === 'c0.yaml');
    assert.equal(top?.code, 'chain.child_invalid');
    assert.match(
      top?.message ?? '',
      new RegExp(`because of a problem at c${N - 6}\\.yaml:5:11 \\(chain\\.nesting_too_deep\\)`),
    );
    assert.deepEqual(result.chains, []);
  });

  test('a cycle through 12,000 files: once, no stack overflow', () => {
    const N = 12_000;
    const texts: Record<string, string> = {};
    for (let i = 0; i < N; i++) texts[`c${i}.yaml`] = parent(`c${i}`, `./c${(i + 1) % N}.yaml`);
    const result = createChainLoader({ cwd: CWD, reader: countingReader(texts).reader }).load(['c0.yaml']);
    const cycles = result.diagnostics.filter((d) => d.code === 'chain.uses_cycle');
    assert.equal(cycles.length, 1);
    assert.equal(cycles[0]?.file, 'c0.yaml');
    // The whole cycle would be a message of 150 KB: its middle is left out.
    assert.equal(
      cycles[0]?.message,
      `chains use each other in a cycle: ${[...Array(10).keys()].map((i) => `c${i}.yaml`).join(' → ')} → … ${N - 15} more … → ${[5, 4, 3, 2, 1].map((k) => `c${N - k}.yaml`).join(' → ')} → c0.yaml`,
    );
  });

  test("names are the loader's, whatever the process's working directory", () => {
    const { reader } = countingReader({
      'a.yaml': parent('a', './lib/b.yaml'),
      'lib/b.yaml': parent('b', '../a.yaml'),
    });
    const result = createChainLoader({ cwd: CWD, reader }).load(['a.yaml']);
    assert.deepEqual(
      result.diagnostics.map((d) => [d.code, d.file, d.message]),
      [['chain.uses_cycle', 'a.yaml', 'chains use each other in a cycle: a.yaml → lib/b.yaml → a.yaml']],
    );
  });

  test('a file read from memory that is missing is `chain.uses_not_found` at the uses:', () => {
    const { reader } = countingReader({ 'a.yaml': parent('a', './gone.yaml') });
    const result = createChainLoader({ cwd: CWD, reader }).load(['a.yaml']);
    assert.deepEqual(
      result.diagnostics.map((d) => [d.code, d.file, d.line, d.column]),
      [['chain.uses_not_found', 'a.yaml', 5, 11]],
    );
    assert.deepEqual(result.files, ['a.yaml']);
  });
});
