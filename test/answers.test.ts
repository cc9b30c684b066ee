// What a person sees of the answers (issue 16): a chain's outputs after its line, each step's
// answer with --show-responses (redacted, cut when long), and watch showing them by default.
// Spawned CLI against a real simulator.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli, runOnTerminal, startWatch, useSimulator } from './helpers.js';

const SECRET = 'answer-secret-value-7731';

const CHAINS = {
  'profile.yaml': [
    'version: 1',
    'chain_id: profile',
    'steps:',
    '  - id: who',
    '    action_id: da-who',
    '  - id: big',
    '    action_id: da-big',
    '  - id: leak',
    '    action_id: da-echo',
    '    payload: { key: "${{ secrets.API_KEY }}" }',
    'outputs:',
    '  tier: ${{ steps.who.output.tier }}',
    '  offers: ${{ steps.who.output.offers }}',
    '',
  ].join('\n'),
};

const fx = useSimulator({
  actions: {
    'da-who': { body: { name: 'Ada', tier: 'gold', offers: ['annual', 'support'] } },
    'da-big': { body_bytes: 6000 },
    'da-echo': { body: { echo: '${{ payload }}' } },
  },
  files: CHAINS,
  client: 'answers-test',
  env: { CXCHAIN_SECRET_API_KEY: SECRET },
});

describe('answers in human output', () => {
  test("the chain's outputs follow its line, as YAML", async () => {
    const r = await runCli(['run', 'profile.yaml'], { cwd: fx.dir, env: fx.env });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('✔ profile profile.yaml — completed'));
    assert.ok(at >= 0, r.stdout);
    assert.deepEqual(lines.slice(at + 1, at + 6), [
      '  outputs:',
      '    tier: gold',
      '    offers:',
      '      - annual',
      '      - support',
    ]);
    // Without --show-responses, no step's answer is printed.
    assert.doesNotMatch(r.stdout, /answer:/);
  });

  test('on a terminal: the answers under their steps, the outputs after the steps', async () => {
    const r = await runOnTerminal(['run', 'profile.yaml', '--show-responses'], { cwd: fx.dir, env: fx.env });
    assert.equal(r.code, 0, r.raw);
    const last = (r.frames.at(-1) ?? '').split('\n');
    assert.match(last[0] ?? '', /^✔ profile profile\.yaml — completed: 3 passed/);
    const who = last.findIndex((l) => l.startsWith('  ✔ who (da-who) — passed'));
    assert.deepEqual(last.slice(who + 1, who + 3), ['    answer:', '      name: Ada']);
    // After the steps, as plain lines put them after the chain's line.
    const outputs = last.indexOf('  ✔ outputs:');
    const leak = last.findIndex((l) => l.startsWith('  ✔ leak (da-echo)'));
    assert.ok(outputs > leak && leak > who, last.join('\n'));
    assert.deepEqual(last.slice(outputs + 1, outputs + 5), [
      '      tier: gold',
      '      offers:',
      '        - annual',
      '        - support',
    ]);
    assert.ok(!r.raw.includes(SECRET));
  });

  test('--show-responses: each answer under its step, redacted, and a long one cut with a note', async () => {
    const r = await runCli(['run', 'profile.yaml', '--show-responses'], { cwd: fx.dir, env: fx.env });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    const who = lines.findIndex((l) => l.startsWith('✔ who (da-who) — passed'));
    assert.deepEqual(lines.slice(who + 1, who + 7), [
      '  answer:',
      '    name: Ada',
      '    tier: gold',
      '    offers:',
      '      - annual',
      '      - support',
    ]);
    const big = lines.findIndex((l) => l.startsWith('✔ big (da-big) — passed'));
    assert.equal(lines[big + 1], '  answer:');
    assert.ok((lines[big + 2] ?? '').length <= 2004, 'the answer is cut at 2,000 characters');
    assert.match(
      lines[big + 3] ?? '',
      /^ {4}… cut at 40 lines or 2000 characters of 59\d\d; --report json=FILE has it whole$/,
    );
    const leak = lines.findIndex((l) => l.startsWith('✔ leak (da-echo) — passed'));
    assert.deepEqual(lines.slice(leak + 1, leak + 4), ['  answer:', '    echo:', '      key: "***"']);
    assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET), 'the secret never shows');
  });

  test('watch shows the answers by default, and says it waits after each run', async () => {
    const w = await startWatch(['profile.yaml', '--run-on-start'], { cwd: fx.dir, env: fx.env });
    try {
      await w.see(/waiting for changes · Ctrl-C to quit\n/);
      assert.match(w.out(), /✔ who \(da-who\) — passed .*\n {2}answer:\n {4}name: Ada\n/);
      await writeFile(join(fx.dir, 'profile.yaml'), `${CHAINS['profile.yaml']}# saved\n`);
      await w.see(/waiting for changes[\s\S]*▶ running profile[\s\S]*waiting for changes/);
    } finally {
      await w.stop();
    }
    const quiet = await startWatch(['profile.yaml', '--run-on-start', '--no-show-responses'], {
      cwd: fx.dir,
      env: fx.env,
    });
    try {
      await quiet.see(/waiting for changes/);
      assert.doesNotMatch(quiet.out(), /answer:/);
    } finally {
      await quiet.stop();
    }
  });
});
