import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { PlanEntry, PlanResult } from '../src/plan/index.js';
import { git, put, runCli, tempDir } from './helpers.js';

// SPEC 3.3 "Everything else follows": `plan` marks a chain whose child changed as
// `changed (via lib/crm-sync.yaml)`. Real git repositories in a temp dir, a spawned CLI.

/** A repository whose `main` holds `base`; the working tree then gets `head` (uncommitted, as plan reads it). */
async function repo(base: Record<string, string>, head: Record<string, string> = {}, gone: string[] = []) {
  const { dir, cleanup } = await tempDir();
  git(dir, 'init', '-q', '-b', 'main');
  await put(dir, base);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  await put(dir, head);
  for (const file of gone) await rm(join(dir, file));
  return { dir, cleanup };
}

/** A call_only child with one input and one output. */
const child = (id: string, revision: number, payload: string, uses = '') =>
  `version: 1\nchain_id: ${id}\nrevision: ${revision}\ncall_only: true\ninputs:\n  n: { type: string, required: true }\nsteps:\n${uses}  - id: act\n    action_id: da-echo\n    payload: ${payload}\noutputs:\n  echoed: \${{ steps.act.output.echo }}\n`;

/** A chain step using `path`, for the top of `steps:`. */
const uses = (id: string, path: string) => `  - id: ${id}\n    uses: ${path}\n    with: { n: "x" }\n`;

const parent = (id: string, revision: number, steps: string) =>
  `version: 1\nchain_id: ${id}\nrevision: ${revision}\nsteps:\n  - id: first\n    action_id: da-echo\n${steps}`;

const plan = async (dir: string, args: string[] = []) => {
  const r = await runCli(['plan', ...args, '--base', 'main', '--format', 'json'], { cwd: dir });
  const result = JSON.parse(r.stdout) as PlanResult;
  const byId = (id: string) => result.chains.find((e) => e.chain_id === id) as PlanEntry;
  return { r, result, byId };
};

describe('plan: a chain changed through a chain it uses (SPEC 3.3)', () => {
  const base = {
    'chains/onboarding.yaml': parent('onboarding', 1, uses('crm', './lib/crm-sync.yaml')),
    'chains/lib/crm-sync.yaml': child('crm-sync', 1, '{ v: 1 }'),
    'chains/other.yaml': parent('other', 1, ''),
  };

  test('only the child changed: the parent is `changed (via lib/crm-sync.yaml)` and needs no revision bump', async () => {
    const { dir, cleanup } = await repo(base, { 'chains/lib/crm-sync.yaml': child('crm-sync', 2, '{ v: 2 }') });
    try {
      const { r, result, byId } = await plan(dir);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(result.summary, { added: 0, changed: 2, moved: 0, removed: 0, unchanged: 1, problems: 0 });
      assert.deepEqual(byId('onboarding'), {
        status: 'changed',
        chain_id: 'onboarding',
        file: 'chains/onboarding.yaml',
        revision: { before: 1, after: 1 },
        steps: { before: 2, after: 2 },
        valid: true,
        chain_changes: [],
        step_changes: [],
        via: ['chains/lib/crm-sync.yaml'],
      });
      assert.equal(byId('crm-sync').status, 'changed');
      assert.equal(byId('crm-sync').via, undefined, 'its own file changed: a plain change');
      assert.equal(byId('other').status, 'unchanged');
      assert.deepEqual(result.revision_problems, []);

      const text = await runCli(['plan', '--base', 'main'], { cwd: dir });
      assert.equal(text.code, 0, text.stdout);
      assert.match(
        text.stdout,
        /^ {2}~ changed {2}onboarding {2}chains\/onboarding\.yaml \(via lib\/crm-sync\.yaml\) {2}revision 1, 2 steps$/m,
      );
      assert.match(
        text.stdout,
        /^ {2}~ changed {2}crm-sync {4}chains\/lib\/crm-sync\.yaml {2}revision 1 → 2, 1 step$/m,
      );
      assert.match(text.stdout, /^✔ no problems$/m);

      const md = await runCli(['plan', '--base', 'main', '--format', 'markdown'], { cwd: dir });
      assert.match(
        md.stdout,
        /^\| ✏️ changed \| `onboarding` \| `chains\/onboarding\.yaml` \| 1 \| 2 steps \| via `lib\/crm-sync\.yaml` \|$/m,
      );
      // No step changes of its own to list: only its chart, with the step whose child changed highlighted.
      const section = md.stdout.split('#### ✏️ `onboarding`')[1]?.split('####')[0] ?? '';
      assert.doesNotMatch(section, /^- /m, 'no change lines');
      assert.match(section, /^```mermaid\n/m);
      assert.match(section, /c0_s1\[\["crm<br\/>uses \.\/lib\/crm-sync\.yaml"\]\]/);
      assert.match(section, /^ {2}class c0_s1 cx_changed$/m);
    } finally {
      await cleanup();
    }
  });

  test('the child kept its revision: the problem is the child’s, not the parent’s', async () => {
    const { dir, cleanup } = await repo(base, { 'chains/lib/crm-sync.yaml': child('crm-sync', 1, '{ v: 2 }') });
    try {
      const { r, result } = await plan(dir);
      assert.equal(r.code, 2);
      assert.deepEqual(
        result.revision_problems.map((p) => [p.chain_id, p.file]),
        [['crm-sync', 'chains/lib/crm-sync.yaml']],
      );
    } finally {
      await cleanup();
    }
  });

  test('child and parent both edited: the parent is a plain change, with its own revision check', async () => {
    const { dir, cleanup } = await repo(base, {
      'chains/lib/crm-sync.yaml': child('crm-sync', 2, '{ v: 2 }'),
      'chains/onboarding.yaml': parent('onboarding', 1, uses('crm', './lib/crm-sync.yaml')).replace(
        'action_id: da-echo\n',
        'action_id: da-echo\n    timeout_seconds: 9\n',
      ),
    });
    try {
      const { r, result, byId } = await plan(dir);
      assert.equal(r.code, 2, 'the parent changed and kept revision 1');
      const onboarding = byId('onboarding');
      assert.equal(onboarding.status, 'changed');
      assert.equal(onboarding.via, undefined);
      assert.deepEqual(
        onboarding.step_changes.map((c) => c.step_id),
        ['first'],
      );
      assert.deepEqual(
        result.revision_problems.map((p) => p.chain_id),
        ['onboarding'],
      );
      const text = await runCli(['plan', '--base', 'main'], { cwd: dir });
      assert.match(text.stdout, /^ {2}~ changed {2}onboarding {2}chains\/onboarding\.yaml {2}revision 1, 2 steps$/m);
      assert.doesNotMatch(text.stdout, /via/);
    } finally {
      await cleanup();
    }
  });

  test('nothing changed: no via; a comment in the child is not a change either', async () => {
    const { dir, cleanup } = await repo(base, {
      'chains/lib/crm-sync.yaml': `# owned by the CRM team\n${base['chains/lib/crm-sync.yaml']}`,
    });
    try {
      const { r, result } = await plan(dir);
      assert.equal(r.code, 0, r.stdout);
      assert.deepEqual(
        result.chains.map((e) => [e.status, e.chain_id, e.via ?? null]),
        [
          ['unchanged', 'crm-sync', null],
          ['unchanged', 'onboarding', null],
          ['unchanged', 'other', null],
        ],
      );
    } finally {
      await cleanup();
    }
  });

  test('a diamond: a change at the bottom marks every chain above it, each once, naming the changed files', async () => {
    const diamond = {
      'chains/top.yaml': parent('top', 1, uses('l', './lib/left.yaml') + uses('r', './lib/right.yaml')),
      'chains/lib/left.yaml': child('left', 1, '{ side: left }', uses('b', './bottom.yaml')),
      'chains/lib/right.yaml': child('right', 1, '{ side: right }', uses('b', './bottom.yaml')),
      'chains/lib/bottom.yaml': child('bottom', 1, '{ v: 1 }'),
    };
    const { dir, cleanup } = await repo(diamond, { 'chains/lib/bottom.yaml': child('bottom', 2, '{ v: 2 }') });
    try {
      const { r, result } = await plan(dir);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(
        result.chains.map((e) => [e.status, e.chain_id, e.via ?? null]),
        [
          ['changed', 'bottom', null],
          ['changed', 'left', ['chains/lib/bottom.yaml']],
          ['changed', 'right', ['chains/lib/bottom.yaml']],
          ['changed', 'top', ['chains/lib/bottom.yaml']],
        ],
      );
      const text = await runCli(['plan', '--base', 'main'], { cwd: dir });
      assert.match(text.stdout, /chains\/top\.yaml \(via lib\/bottom\.yaml\) {2}revision 1, 3 steps$/m);
      assert.match(text.stdout, /chains\/lib\/left\.yaml \(via bottom\.yaml\) {2}revision 1, 2 steps$/m);

      // One side edited as well: the top names both files, the edited side is a plain change.
      await put(dir, {
        'chains/lib/left.yaml': child('left', 2, '{ side: left, v: 2 }', uses('b', './bottom.yaml')),
      });
      const again = await plan(dir);
      assert.equal(again.r.code, 0, again.r.stdout);
      assert.deepEqual(again.byId('top').via, ['chains/lib/bottom.yaml', 'chains/lib/left.yaml']);
      assert.equal(again.byId('left').via, undefined);
      assert.deepEqual(again.byId('right').via, ['chains/lib/bottom.yaml']);
      const md = await runCli(['plan', '--base', 'main', '--format', 'markdown'], { cwd: dir });
      assert.match(
        md.stdout,
        /\| `top` \| `chains\/top\.yaml` \| 1 \| 3 steps \| via `lib\/bottom\.yaml`, `lib\/left\.yaml` \|/,
      );
    } finally {
      await cleanup();
    }
  });

  test('a child removed or added since the base marks its parent too', async () => {
    const removed = await repo(base, {}, ['chains/lib/crm-sync.yaml']);
    try {
      const { r, result, byId } = await plan(removed.dir);
      assert.equal(r.code, 2, 'the parent now uses a file that is not there');
      assert.deepEqual(byId('onboarding').via, ['chains/lib/crm-sync.yaml']);
      assert.equal(byId('onboarding').valid, false);
      assert.equal(byId('crm-sync').status, 'removed');
      assert.deepEqual(
        result.diagnostics.map((d) => [d.code, d.file]),
        [['chain.uses_not_found', 'chains/onboarding.yaml']],
      );
    } finally {
      await removed.cleanup();
    }
    const { 'chains/lib/crm-sync.yaml': _child, ...withoutChild } = base;
    const added = await repo(withoutChild, { 'chains/lib/crm-sync.yaml': base['chains/lib/crm-sync.yaml'] });
    try {
      const { r, byId } = await plan(added.dir);
      assert.equal(r.code, 0, r.stdout);
      assert.equal(byId('crm-sync').status, 'added');
      assert.deepEqual(byId('onboarding').via, ['chains/lib/crm-sync.yaml']);
    } finally {
      await added.cleanup();
    }
  });

  test('a child outside the planned paths still counts, however deep, and a moved parent is changed via it', async () => {
    const deep = {
      'flows/main.yaml': parent('main', 1, uses('mid', '../shared/mid.yaml')),
      'shared/mid.yaml': child('mid', 1, '{ v: 1 }', uses('leaf', './deeper/leaf.yaml')),
      'shared/deeper/leaf.yaml': child('leaf', 1, '{ v: 1 }'),
    };
    const { dir, cleanup } = await repo(deep, { 'shared/deeper/leaf.yaml': child('leaf', 2, '{ v: 2 }') });
    try {
      const { r, result } = await plan(dir, ['flows']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(
        result.chains.map((e) => [e.status, e.file, e.via ?? null]),
        [['changed', 'flows/main.yaml', ['shared/deeper/leaf.yaml']]],
      );
      const text = await runCli(['plan', 'flows', '--base', 'main'], { cwd: dir });
      assert.match(text.stdout, /flows\/main\.yaml \(via \.\.\/shared\/deeper\/leaf\.yaml\)/);

      // From a subfolder, files are named relative to it, as everywhere else.
      const sub = await runCli(['plan', '.', '--base', 'main', '--format', 'json'], { cwd: join(dir, 'flows') });
      assert.deepEqual(
        (JSON.parse(sub.stdout) as PlanResult).chains.map((e) => [e.file, e.via ?? null]),
        [['main.yaml', ['../shared/deeper/leaf.yaml']]],
      );

      // A file only renamed is the same chain (matched by chain_id): changed via the leaf, where it was kept.
      git(dir, 'mv', 'flows/main.yaml', 'flows/renamed.yaml');
      const moved = await plan(dir, ['flows']);
      assert.deepEqual(
        moved.result.chains.map((e) => [e.status, e.file, e.previous_file, e.via ?? null]),
        [['changed', 'flows/renamed.yaml', 'flows/main.yaml', ['shared/deeper/leaf.yaml']]],
      );
    } finally {
      await cleanup();
    }
  });
});
