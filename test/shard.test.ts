import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inShard, normaliseShardPath, parseShard, shardOf } from '../src/cli/shard.js';
import { runCli, tempDir } from './helpers.js';

const PATHS = Array.from({ length: 1000 }, (_, i) => `chains/team-${i % 17}/chain-${String(i).padStart(4, '0')}.yaml`);

describe('--shard I/N: a deterministic partition by file path', () => {
  for (const total of [1, 2, 3, 7, 16]) {
    test(`1,000 paths over ${total} shard${total === 1 ? '' : 's'}: each path in exactly one, none far from even`, () => {
      const sizes = new Array<number>(total).fill(0);
      for (const path of PATHS) {
        const owners = Array.from({ length: total }, (_, i) => i + 1).filter((index) =>
          inShard(path, { index, total }),
        );
        assert.equal(owners.length, 1, `${path} is in shards ${owners.join(', ')}`);
        const slot = (owners[0] as number) - 1;
        sizes[slot] = (sizes[slot] ?? 0) + 1;
      }
      assert.equal(
        sizes.reduce((a, b) => a + b, 0),
        PATHS.length,
      );
      const even = PATHS.length / total;
      for (const size of sizes)
        assert.ok(Math.abs(size - even) <= even * 0.25 + 3, `shard sizes ${sizes.join(', ')} are uneven`);
    });
  }

  test('the same path gets the same shard however it is written, and every time', () => {
    assert.equal(normaliseShardPath('./chains/a.yaml'), 'chains/a.yaml');
    assert.equal(normaliseShardPath('chains\\sub\\a.yaml'), 'chains/sub/a.yaml');
    assert.equal(normaliseShardPath('chains//sub/../a.yaml'), 'chains/a.yaml');
    assert.equal(normaliseShardPath('chains/cafe\u0301.yaml'), 'chains/caf\u00e9.yaml');
    for (const total of [2, 5, 9]) {
      assert.equal(shardOf('./chains/a.yaml', total), shardOf('chains/a.yaml', total));
      assert.equal(shardOf('chains\\a.yaml', total), shardOf('chains/a.yaml', total));
    }
    // Pinned: a change of the hash would silently move chains between matrix jobs.
    assert.deepEqual(
      ['chains/a.yaml', 'chains/b.yaml', 'chains/cust-data-sync-001.yaml'].map((p) => shardOf(p, 4)),
      [1, 4, 2],
    );
  });

  test('parseShard accepts I/N with 1 ≤ I ≤ N and nothing else', () => {
    assert.deepEqual(parseShard('2/4'), { index: 2, total: 4 });
    assert.deepEqual(parseShard(' 1 / 1 '), { index: 1, total: 1 });
    for (const bad of ['0/3', '4/3', '1/0', '1', '1/2/3', 'a/b', '-1/2', '1.5/3', '']) {
      assert.throws(() => parseShard(bad), { name: 'UsageError', message: /expected I\/N with 1 ≤ I ≤ N/ }, bad);
    }
  });
});

describe('--shard on list, validate and run', () => {
  const chain = (id: string) => `version: 1\nchain_id: ${id}\nsteps:\n  - action_id: da-echo\n`;
  const files = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`chains/c${i}.yaml`, chain(`c${i}`)]));

  test('list --json --shard I/3: one line of JSON; the three shards cover every chain once', async () => {
    const { dir, cleanup } = await tempDir(files);
    try {
      const seen: string[] = [];
      for (const i of [1, 2, 3]) {
        const r = await runCli(['list', '--json', '--shard', `${i}/3`], { cwd: dir });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.trim().split('\n').length, 1, 'one line, ready for $GITHUB_OUTPUT');
        const rows = JSON.parse(r.stdout) as { file: string }[];
        for (const row of rows) assert.equal(shardOf(row.file, 3), i);
        seen.push(...rows.map((row) => row.file));
      }
      assert.deepEqual(seen.sort(), Object.keys(files).sort());
    } finally {
      await cleanup();
    }
  });

  test('validate --shard checks only its files; a bad I/N is a usage error, exit 2', async () => {
    const { dir, cleanup } = await tempDir({ ...files, 'chains/bad.yaml': 'version: 1\nchain_id: bad\nsteps: []\n' });
    try {
      const badShard = shardOf('chains/bad.yaml', 3);
      for (const i of [1, 2, 3]) {
        const r = await runCli(['validate', '--format', 'json', '--shard', `${i}/3`], { cwd: dir });
        const report = JSON.parse(r.stdout) as { valid: boolean; shard: string; files: { file: string }[] };
        assert.equal(report.shard, `${i}/3`);
        assert.equal(r.code, i === badShard ? 2 : 0, r.stdout);
        for (const f of report.files) assert.equal(shardOf(f.file, 3), i);
      }
      const usage = await runCli(['validate', '--shard', '4/3'], { cwd: dir });
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /--shard "4\/3": expected I\/N with 1 ≤ I ≤ N/);
    } finally {
      await cleanup();
    }
  });

  test('run --shard runs only its chains; an empty shard succeeds without running anything', async () => {
    const { dir, cleanup } = await tempDir({ 'chains/c0.yaml': chain('c0'), 'chains/c1.yaml': chain('c1') });
    try {
      const owner = shardOf('chains/c0.yaml', 8);
      const other = shardOf('chains/c1.yaml', 8);
      const empty = [1, 2, 3, 4, 5, 6, 7, 8].find((i) => i !== owner && i !== other) as number;
      const r = await runCli(
        ['run', '--sim', '--renderer', 'json', '--shard', `${owner}/8`, 'chains/c0.yaml', 'chains/c1.yaml'],
        { cwd: dir },
      );
      assert.equal(r.code, 0, r.stderr);
      const ran = new Set(
        r.stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { type: string; chain_id: string })
          // run_end is the run's, not a chain's (SPEC 6)
          .filter((event) => event.type !== 'run_end')
          .map((event) => event.chain_id),
      );
      assert.deepEqual([...ran].sort(), owner === other ? ['c0', 'c1'] : ['c0']);
      const none = await runCli(['run', '--sim', '--shard', `${empty}/8`, 'chains'], { cwd: dir });
      assert.equal(none.code, 0, none.stderr);
      assert.match(none.stdout, new RegExp(`shard ${empty}/8 holds none of the chains chain files: nothing to run`));
    } finally {
      await cleanup();
    }
  });
});
