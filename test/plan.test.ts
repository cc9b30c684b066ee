import assert from 'node:assert/strict';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PlanResult } from '../src/plan/index.js';
import { git, put, runCli, tempDir } from './helpers.js';

const BASE = {
  'chains/a.yaml':
    'version: 1\nchain_id: a\nrevision: 1\nsteps:\n  - id: p\n    action_id: da-echo\n    payload: { n: 1 }\n  - id: q\n    action_id: da-echo\n  - id: r\n    action_id: da-echo\n    timeout_seconds: 10\n',
  'chains/b.yaml':
    'version: 1\nchain_id: b\nrevision: 2\nsteps:\n  - id: x\n    action_id: da-echo\n    payload: { v: old }\n',
  'chains/c.yaml': 'version: 1\nchain_id: c\nrevision: 4\nsteps:\n  - action_id: da-echo\n  - action_id: da-send-sms\n',
  'chains/d.yaml': 'version: 1\nchain_id: d\nsteps:\n  - action_id: da-echo\n',
  'chains/e.yaml': 'version: 1\nchain_id: e\nrevision: 1\nsteps:\n  - action_id: da-echo\n',
  'README.md': 'not a chain\n',
};

// a: revision raised; global timeout added; p's payload changed; r's timeout and directive changed;
//    q and r swapped; s added.  b: payload changed, revision still 2.  c: removed.  d: moved.
//    e: a comment only.  n: new.
const HEAD = {
  'chains/a.yaml':
    'version: 1\nchain_id: a\nrevision: 2\nglobal_timeout_seconds: 120\nsteps:\n  - id: p\n    action_id: da-echo\n    payload: { n: 2 }\n  - id: r\n    action_id: da-echo\n    timeout_seconds: 20\n    on_failure: continue\n  - id: q\n    action_id: da-echo\n  - id: s\n    action_id: da-send-sms\n',
  'chains/b.yaml':
    'version: 1\nchain_id: b\nrevision: 2\nsteps:\n  - id: x\n    action_id: da-echo\n    payload: { v: new }\n',
  'chains/e.yaml': '# owned by the CRM team\nversion: 1\nchain_id: e\nrevision: 1\nsteps:\n  - action_id: da-echo\n',
  'chains/n.yaml': 'version: 1\nchain_id: n\nrevision: 1\nsteps:\n  - action_id: da-echo\n',
};

describe('cxchain plan against a git repository with real commits', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ dir, cleanup } = await tempDir());
    git(dir, 'init', '-q', '-b', 'main');
    await put(dir, BASE);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'base');
    git(dir, 'tag', 'base');
    git(dir, 'checkout', '-q', '-b', 'feature');
    await put(dir, HEAD);
    await rm(join(dir, 'chains/c.yaml'));
    await mkdir(join(dir, 'chains/sub'));
    await rename(join(dir, 'chains/d.yaml'), join(dir, 'chains/sub/d.yaml'));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'change chains');
  });
  after(() => cleanup());

  test('--format json: added, changed, moved, removed and unchanged chains, step by step', async () => {
    const r = await runCli(['plan', '--base', 'main', '--format', 'json'], { cwd: dir });
    assert.equal(r.code, 2, 'b changed without raising its revision');
    const plan = JSON.parse(r.stdout) as PlanResult;
    assert.equal(plan.base.ref, 'main');
    assert.equal(plan.base.commit, git(dir, 'rev-parse', 'base').trim());
    assert.deepEqual(plan.summary, { added: 1, changed: 2, moved: 1, removed: 1, unchanged: 1, problems: 1 });
    assert.deepEqual(
      plan.chains.map((e) => [e.status, e.chain_id, e.file, e.previous_file ?? null]),
      [
        ['added', 'n', 'chains/n.yaml', null],
        ['changed', 'a', 'chains/a.yaml', null],
        ['changed', 'b', 'chains/b.yaml', null],
        ['moved', 'd', 'chains/sub/d.yaml', 'chains/d.yaml'],
        ['removed', 'c', 'chains/c.yaml', null],
        ['unchanged', 'e', 'chains/e.yaml', null],
      ],
    );
    const a = plan.chains[1];
    assert.deepEqual(a?.revision, { before: 1, after: 2 });
    assert.deepEqual(a?.steps, { before: 3, after: 4 });
    assert.deepEqual(a?.chain_changes, [{ path: 'global_timeout_seconds', after: 120, category: 'timeout' }]);
    assert.deepEqual(a?.step_changes, [
      {
        kind: 'changed',
        step_id: 'p',
        index: 0,
        line: 6,
        changes: [{ path: 'payload.n', before: 1, after: 2, category: 'payload' }],
      },
      {
        kind: 'changed',
        step_id: 'r',
        index: 1,
        line: 9,
        changes: [
          { path: 'timeout_seconds', before: 10, after: 20, category: 'timeout' },
          { path: 'on_failure', after: 'continue', category: 'directive' },
        ],
      },
      { kind: 'moved', step_id: 'q', from_index: 1, to_index: 2, line: 13 },
      { kind: 'added', step_id: 's', action_id: 'da-send-sms', index: 3, line: 15 },
    ]);
    assert.deepEqual(plan.chains[4]?.revision, { before: 4, after: null });
    assert.deepEqual(plan.chains[4]?.steps, { before: 2, after: null });
    assert.deepEqual(plan.diagnostics, []);
    assert.deepEqual(plan.revision_problems, [
      {
        code: 'plan.revision_not_raised',
        chain_id: 'b',
        file: 'chains/b.yaml',
        line: 3,
        column: 11,
        message: '`b` changed but its `revision` is still 2',
        hint: 'raise it: `revision: 3`',
        before: 2,
        after: 2,
      },
    ]);
    assert.equal(plan.ok, false);
  });

  test('--format text lists each change; --no-revision-check lets an unraised revision pass', async () => {
    const r = await runCli(['plan', 'chains', '--base', 'base'], { cwd: dir });
    assert.equal(r.code, 2);
    const expected = [
      /^plan against base \([0-9a-f]{7}\): 1 added, 2 changed, 1 moved, 1 removed, 1 unchanged$/m,
      /^ {2}\+ added {4}n {9}chains\/n\.yaml {2}revision 1, 1 step$/m,
      /^ {2}~ changed {2}a {9}chains\/a\.yaml {2}revision 1 → 2, 3 → 4 steps$/m,
      /^ {6}chain: global_timeout_seconds added: 120$/m,
      /^ {6}~ step p: payload\.n: 1 → 2$/m,
      /^ {6}~ step r: timeout_seconds: 10 → 20; on_failure added: continue$/m,
      /^ {6}↕ step q moved from position 2 to 3$/m,
      /^ {6}\+ step s \(da-send-sms\) added at position 4$/m,
      /^ {2}→ moved {4}d {9}chains\/sub\/d\.yaml \(was chains\/d\.yaml\) {2}revision -, 1 step$/m,
      /^ {2}- removed {2}c {9}chains\/c\.yaml {2}revision 4, 2 steps$/m,
      /^chains\/b\.yaml:3:11 {2}error {2}`b` changed but its `revision` is still 2 \[plan\.revision_not_raised\]\n {4}3 \| revision: 2\n {6}\| {11}\^\n {2}fix: raise it: `revision: 3`$/m,
      /^✖ 1 problem: fix it before merging$/m,
    ];
    for (const line of expected) assert.match(r.stdout, line);
    assert.doesNotMatch(r.stdout, /chains\/e\.yaml/, 'a comment is not a change');
    const lenient = await runCli(['plan', '--base', 'base', '--no-revision-check'], { cwd: dir });
    assert.equal(lenient.code, 0, lenient.stdout);
    assert.match(lenient.stdout, /✔ no problems/);
  });

  test('--format markdown: a table of the chains that differ and each step change', async () => {
    const r = await runCli(['plan', '--base', 'base', '--format', 'markdown'], { cwd: dir });
    assert.equal(r.code, 2);
    const md = r.stdout;
    assert.match(
      md,
      /^### cxchain plan against `base` \(`[0-9a-f]{7}`\)\n\n1 added, 2 changed, 1 moved, 1 removed, 1 unchanged — ❌ 1 problem\n/,
    );
    assert.match(md, /^\| {2}\| chain \| file \| revision \| steps \| changes \|$/m);
    assert.match(
      md,
      /^\| ✏️ changed \| `b` \| `chains\/b\.yaml` \| 2 ⚠️ not raised \| 1 step \| steps: 1 changed \|$/m,
    );
    assert.match(
      md,
      /^\| ✏️ changed \| `a` \| `chains\/a\.yaml` \| 1 → 2 \| 3 → 4 steps \| steps: 1 added, 1 moved, 2 changed; 1 chain setting \|$/m,
    );
    assert.match(
      md,
      /^- ✏️ step `r`: \*\*timeout\*\* `timeout_seconds: 10 → 20`, \*\*directive\*\* `on_failure added: continue` \(`chains\/a\.yaml:9`\)$/m,
    );
    assert.match(
      md,
      /^- ❌ `chains\/b\.yaml:3` `b` changed but its `revision` is still 2 \(`plan\.revision_not_raised`\)\n {2}- fix: raise it: `revision: 3`$/m,
    );
  });

  test('an invalid chain is a problem of the plan, exit 2, with its place in the file', async () => {
    await writeFile(
      join(dir, 'chains/n.yaml'),
      'version: 1\nchain_id: n\nrevision: 1\nsteps:\n  - action_id: da-echo\n    on_failure: maybe\n',
    );
    try {
      const r = await runCli(['plan', '--base', 'base', '--format', 'json'], { cwd: dir });
      assert.equal(r.code, 2);
      const plan = JSON.parse(r.stdout) as PlanResult;
      assert.deepEqual(
        plan.diagnostics.map((d) => [d.code, d.file, d.line, d.column]),
        [['schema.enum', 'chains/n.yaml', 6, 17]],
      );
      assert.equal(plan.chains.find((e) => e.chain_id === 'n')?.valid, false);
    } finally {
      git(dir, 'checkout', '-q', '--', '.');
    }
  });

  test('comparing a branch with itself: nothing differs, exit 0', async () => {
    const r = await runCli(['plan', '--base', 'HEAD'], { cwd: dir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /5 unchanged\n\n {2}no chain differs from the base\n\n✔ no problems\n$/);
  });

  test('in GitHub Actions: annotations at the revision line and the plan in the job summary', async () => {
    const summary = join(dir, '..', `${Date.now()}-plan-summary.md`);
    await writeFile(summary, '## earlier step\n');
    try {
      const r = await runCli(['plan', '--format', 'json'], {
        cwd: dir,
        env: {
          GITHUB_ACTIONS: 'true',
          GITHUB_STEP_SUMMARY: summary,
          GITHUB_WORKSPACE: dir,
          GITHUB_BASE_REF: 'main-not-fetched',
        },
      });
      assert.equal(r.code, 2);
      assert.match(
        r.stderr,
        /unknown git ref `origin\/main-not-fetched`.*fetch-depth: 0/,
        'the base defaults to origin/$GITHUB_BASE_REF',
      );
      assert.match(
        await readFile(summary, 'utf8'),
        /^## earlier step\n### cxchain plan\n\n❌ unknown git ref `origin\/main-not-fetched`/,
        'the job summary says why',
      );
      await writeFile(summary, '## earlier step\n');
      git(dir, 'update-ref', 'refs/remotes/origin/main', 'base');
      const ok = await runCli(['plan'], {
        cwd: dir,
        env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary, GITHUB_WORKSPACE: dir, GITHUB_BASE_REF: 'main' },
      });
      assert.equal(ok.code, 2);
      assert.deepEqual(
        ok.stdout.split('\n').filter((line) => line.startsWith('::')),
        [
          '::error file=chains/b.yaml,line=3,col=11,title=plan.revision_not_raised::`b` changed but its `revision` is still 2%0Afix: raise it: `revision: 3`',
        ],
      );
      const md = await readFile(summary, 'utf8');
      assert.ok(md.startsWith('## earlier step\n### cxchain plan against `origin/main`'), md);
      assert.match(md, /\| ➕ added \| `n` \| `chains\/n\.yaml` \| 1 \| 1 step \| new chain \|/);
    } finally {
      await rm(summary, { force: true });
    }
  });
});

describe('cxchain plan: clear errors', () => {
  test('outside a git repository, for an unknown ref, and without --base', async () => {
    const { dir, cleanup } = await tempDir({ 'chains/a.yaml': BASE['chains/a.yaml'] });
    try {
      const outside = await runCli(['plan', '--base', 'main'], { cwd: dir });
      assert.equal(outside.code, 2);
      assert.match(
        outside.stderr,
        /^error: plan compares chains with a git ref, but .* is not inside a git repository/,
      );
      git(dir, 'init', '-q', '-b', 'main');
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', 'one');
      const unknown = await runCli(['plan', '--base', 'origin/nope'], { cwd: dir });
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /^error: unknown git ref `origin\/nope`: no commit by that name/);
      // Only `main` exists here: that is what to pass, not the `origin/main` of a clone.
      const remote = await runCli(['plan', '--base', 'origin/main'], { cwd: dir });
      assert.match(remote.stderr, /Did you mean `--base main`\? Refs here: `main`;/);
      assert.doesNotMatch(remote.stderr, /e\.g\. --base origin\/main/);
      git(dir, 'branch', 'feature');
      const typo = await runCli(['plan', '--base', 'mian'], { cwd: dir });
      assert.match(typo.stderr, /Did you mean `--base main`\? Refs here: `main`, `feature`;/);
      const option = await runCli(['plan', '--base', '--all'], { cwd: dir });
      assert.equal(option.code, 2, 'a ref that looks like an option is still just a name');
      const missing = await runCli(['plan'], { cwd: dir });
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /plan needs --base REF/);
    } finally {
      await cleanup();
    }
  });

  test('a directory that is gone now had chains at the base: they are removed, not a path error', async () => {
    const { dir, cleanup } = await tempDir({ 'flows/a.yaml': BASE['chains/a.yaml'] });
    try {
      git(dir, 'init', '-q', '-b', 'main');
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', 'one');
      await rm(join(dir, 'flows'), { recursive: true });
      const r = await runCli(['plan', 'flows', '--base', 'main', '--format', 'json'], { cwd: join(dir) });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const plan = JSON.parse(r.stdout) as PlanResult;
      assert.deepEqual(
        plan.chains.map((e) => [e.status, e.file]),
        [['removed', 'flows/a.yaml']],
      );
      const nowhere = await runCli(['plan', 'nowhere', '--base', 'main', '--format', 'json'], { cwd: dir });
      assert.equal(nowhere.code, 2);
      assert.equal((JSON.parse(nowhere.stdout) as PlanResult).diagnostics[0]?.code, 'path.not_found');
    } finally {
      await cleanup();
    }
  });
});
