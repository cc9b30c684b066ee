/**
 * Every load-time diagnostic of SPEC 3.3 (chain steps, `uses:`) and 3.5 (`if:`, `expect:`) at its
 * exact file:line:col, through the real CLI: each case is a few files in a fresh folder, run as
 * `cxchain validate --format json`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { CLI, runCli, tempDir, type CliOptions } from './helpers.js';

interface JsonDiagnostic {
  code: string;
  file: string;
  line?: number;
  column?: number;
  message: string;
  hint?: string;
}

interface JsonReport {
  valid: boolean;
  files: { file: string; valid: boolean }[];
  chains: number;
  diagnostics: JsonDiagnostic[];
}

/** `[code, file, line, column]`, and optionally what the message (and the hint) must say. */
type Expected = [string, string, number, number, RegExp?, RegExp?];

interface Case {
  /** The files, by path in the case's folder. */
  files: Record<string, string>;
  /**
   * No `.git` folder: the root that `uses:` must stay in is the folder given on the command line.
   * Default false: the case's folder (or `repo/` when there is one) is a git work tree.
   */
  noGit?: boolean;
  /** Symbolic links to make: `[link, target as written]`. */
  links?: [string, string][];
  /** Named pipes and folders to make, where a chain file might be expected. */
  fifos?: string[];
  dirs?: string[];
  /** The folder to run in, inside the case's folder. Default: the case's folder. */
  cwd?: string;
  /** What to validate. Default `.`. */
  args?: string[];
  expect: Expected[];
  /** How many chains are valid. Default: every file when nothing is expected, else not checked. */
  chains?: number;
  /** The files listed, in order (each child once). Not checked when absent. */
  listed?: string[];
}

/** A chain file: `version` and `chain_id` on lines 1–2, then `head`, then `steps:` and `steps`. */
const chain = (id: string, steps: string, head = '') => `version: 1\nchain_id: ${id}\n${head}steps:\n${steps}`;
/** A chain of one action step, line 4. */
const leaf = (id: string, head = '') => chain(id, '  - action_id: da-leaf\n', head);
/** A chain whose steps (from line 4, `uses` values at column 11) use `paths` in turn. */
const parent = (id: string, ...paths: string[]) =>
  chain(id, paths.map((p, i) => `  - id: s${i}\n    uses: ${p}\n`).join(''));
/** A call-only child with typed inputs and two outputs (steps at line 9). */
const CRM = [
  'version: 1',
  'chain_id: crm-sync',
  'call_only: true',
  'inputs:',
  '  customer_id: { type: string, required: true }',
  '  tier: { type: string, default: gold }',
  '  limit: { type: integer }',
  '  dry_run: { type: boolean, default: false }',
  'steps:',
  '  - id: update',
  '    action_id: da-update-external-crm',
  'outputs:',
  '  status: ${{ steps.update.status }}',
  '  synced: ${{ steps.update.output.synced }}',
  '',
].join('\n');
/** A parent of `lib/crm.yaml` whose chain step (line 4, `uses` at 5:11) has the given lines below `uses`. */
const crmParent = (below: string, after = '') =>
  chain('parent', `  - id: crm\n    uses: ./lib/crm.yaml\n${below}${after}`);

const CASES: Record<string, Case> = {
  // --- uses: the path ---
  'uses: a file that is not there': {
    files: { 'p.yaml': parent('p', './lib/gone.yaml') },
    expect: [
      [
        'chain.uses_not_found',
        'p.yaml',
        5,
        11,
        /^`uses: \.\/lib\/gone\.yaml`: there is no file lib\/gone\.yaml$/,
        /relative to this file's folder \(\.\), and starts with \.\/ or \.\.\//,
      ],
    ],
  },
  'uses: out of the repository by ..': {
    files: { 'repo/p.yaml': parent('p', '../outside.yaml'), 'outside.yaml': leaf('o') },
    cwd: 'repo',
    expect: [
      [
        'chain.uses_outside_root',
        'p.yaml',
        5,
        11,
        /^`uses: \.\.\/outside\.yaml` leads to \/.*\/outside\.yaml, outside the repository root \/.*\/repo$/,
        /copy the child into it/,
      ],
    ],
  },
  'uses: out of the repository by a linked file': {
    files: { 'repo/p.yaml': parent('p', './lib/link.yaml'), 'outside.yaml': leaf('o') },
    links: [['repo/lib/link.yaml', '../../outside.yaml']],
    cwd: 'repo',
    // Given alone: `validate .` would also say that the walk does not follow the link.
    args: ['p.yaml'],
    expect: [
      [
        'chain.uses_outside_root',
        'p.yaml',
        5,
        11,
        /^`uses: \.\/lib\/link\.yaml` leads, through a symbolic link, to \/.*\/outside\.yaml, outside the repository root /,
      ],
    ],
  },
  'uses: out of the repository by a linked folder': {
    files: { 'repo/p.yaml': parent('p', './shared/c.yaml'), 'elsewhere/c.yaml': leaf('c') },
    links: [['repo/shared', '../elsewhere']],
    cwd: 'repo',
    args: ['p.yaml'],
    expect: [['chain.uses_outside_root', 'p.yaml', 5, 11, /through a symbolic link, to \/.*\/elsewhere\/c\.yaml/]],
  },
  'uses: a link inside the repository is the file it points at, read once': {
    files: {
      'p.yaml': parent('p', './lib/c.yaml', './lib/alias.yaml', './lib/../lib/c.yaml'),
      'lib/c.yaml': leaf('c'),
    },
    links: [['lib/alias.yaml', 'c.yaml']],
    args: ['p.yaml'],
    expect: [],
    chains: 1,
    listed: ['p.yaml', 'lib/c.yaml'],
  },
  'no repository: the file given is the root, so .. leaves it': {
    files: { 'sub/p.yaml': parent('p', '../c.yaml'), 'c.yaml': leaf('c') },
    noGit: true,
    args: ['sub/p.yaml'],
    expect: [
      [
        'chain.uses_outside_root',
        'sub/p.yaml',
        5,
        11,
        /outside \/.*\/sub, the folder given on the command line \(no git work tree holds this file\)$/,
      ],
    ],
  },
  'no repository: the folder given is the root, so .. inside it is fine': {
    files: { 'sub/p.yaml': parent('p', '../c.yaml'), 'c.yaml': leaf('c') },
    noGit: true,
    args: ['.'],
    expect: [],
    chains: 2,
  },
  'no repository: the widest folder given holds the file': {
    files: { 'sub/p.yaml': parent('p', '../c.yaml'), 'c.yaml': leaf('c') },
    noGit: true,
    args: ['sub', '.'],
    expect: [],
    chains: 2,
  },

  // --- cycles and nesting ---
  'a cycle of 2, once': {
    files: { 'a.yaml': parent('a', './b.yaml'), 'b.yaml': parent('b', './a.yaml') },
    args: ['a.yaml'],
    expect: [['chain.uses_cycle', 'a.yaml', 5, 11, /^chains use each other in a cycle: a\.yaml → b\.yaml → a\.yaml$/]],
    chains: 0,
  },
  'a cycle of 3, once, with the whole path': {
    files: {
      'a.yaml': parent('a', './b.yaml'),
      'b.yaml': parent('b', './c.yaml'),
      'c.yaml': parent('c', './a.yaml'),
    },
    args: ['a.yaml'],
    expect: [
      ['chain.uses_cycle', 'a.yaml', 5, 11, /: a\.yaml → b\.yaml → c\.yaml → a\.yaml$/, /remove one of these `uses:`/],
    ],
  },
  'a cycle of 3 with all three files given, in any order, once': {
    files: {
      'a.yaml': parent('a', './b.yaml'),
      'b.yaml': parent('b', './c.yaml'),
      'c.yaml': parent('c', './a.yaml'),
    },
    args: ['c.yaml', 'b.yaml', 'a.yaml'],
    expect: [['chain.uses_cycle', 'a.yaml', 5, 11, /: a\.yaml → b\.yaml → c\.yaml → a\.yaml$/]],
    chains: 0,
  },
  'a chain that uses itself': {
    files: { 'a.yaml': parent('a', './a.yaml') },
    expect: [['chain.uses_cycle', 'a.yaml', 5, 11, /^a\.yaml uses itself: a\.yaml → a\.yaml$/]],
  },
  'a chain that uses a cycle: the cycle once, and the caller told where': {
    files: {
      'top.yaml': parent('top', './b.yaml'),
      'a.yaml': parent('a', './b.yaml'),
      'b.yaml': parent('b', './a.yaml'),
    },
    args: ['top.yaml'],
    expect: [
      ['chain.uses_cycle', 'a.yaml', 5, 11, /: a\.yaml → b\.yaml → a\.yaml$/],
      [
        'chain.child_invalid',
        'top.yaml',
        5,
        11,
        /^`uses: \.\/b\.yaml`: b\.yaml cannot run because of a problem at a\.yaml:5:11 \(chain\.uses_cycle\), so this chain cannot run either$/,
      ],
    ],
  },
  'nesting of 6 chains': {
    files: Object.fromEntries(
      [1, 2, 3, 4, 5, 6].map((n) => [`n${n}.yaml`, n < 6 ? parent(`n${n}`, `./n${n + 1}.yaml`) : leaf('n6')]),
    ),
    args: ['n1.yaml'],
    expect: [
      [
        'chain.nesting_too_deep',
        'n1.yaml',
        5,
        11,
        /^`uses: \.\/n2\.yaml` nests 6 chains: n1\.yaml → n2\.yaml → n3\.yaml → n4\.yaml → n5\.yaml → n6\.yaml; at most 5 chains nest$/,
        /flatten a level/,
      ],
    ],
    chains: 0,
  },
  'nesting of 5 chains is fine': {
    files: Object.fromEntries(
      [1, 2, 3, 4, 5].map((n) => [`n${n}.yaml`, n < 5 ? parent(`n${n}`, `./n${n + 1}.yaml`) : leaf('n5')]),
    ),
    args: ['n1.yaml'],
    expect: [],
    chains: 1,
  },
  'nesting of 7 chains: said where 6 start, and each caller told where': {
    files: Object.fromEntries(
      [1, 2, 3, 4, 5, 6, 7].map((n) => [`n${n}.yaml`, n < 7 ? parent(`n${n}`, `./n${n + 1}.yaml`) : leaf('n7')]),
    ),
    expect: [
      [
        'chain.child_invalid',
        'n1.yaml',
        5,
        11,
        /n2\.yaml is not a valid chain \(1 problem, the first at n2\.yaml:5:11\)/,
      ],
      ['chain.nesting_too_deep', 'n2.yaml', 5, 11, /nests 6 chains: n2\.yaml → .* → n7\.yaml;/],
    ],
    chains: 5,
  },
  'three levels are fine': {
    files: { 'a.yaml': parent('a', './lib/b.yaml'), 'lib/b.yaml': parent('b', './c.yaml'), 'lib/c.yaml': leaf('c') },
    args: ['a.yaml'],
    expect: [],
    chains: 1,
    listed: ['a.yaml', 'lib/b.yaml', 'lib/c.yaml'],
  },

  // --- a child's own problems ---
  'a child with errors: each at its own place, and the parent told': {
    files: {
      'p.yaml': parent('p', './lib/c.yaml'),
      'lib/c.yaml': chain(
        'c',
        '  - action_id: da-x\n    on_failure: nope\n    payload: { v: "${{ inputs.regoin }}" }\n',
        'inputs:\n  region: {}\n',
      ),
    },
    args: ['p.yaml'],
    expect: [
      ['schema.enum', 'lib/c.yaml', 7, 17],
      ['chain.unknown_input', 'lib/c.yaml', 8, 20, /did you mean `region`\?/],
      [
        'chain.child_invalid',
        'p.yaml',
        5,
        11,
        /^`uses: \.\/lib\/c\.yaml`: lib\/c\.yaml is not a valid chain \(2 problems, the first at lib\/c\.yaml:7:17\), so this chain cannot run$/,
        /^fix lib\/c\.yaml first/,
      ],
    ],
    chains: 0,
  },
  'a child with errors used by two parents: its errors once, each parent told': {
    files: {
      'p1.yaml': parent('p1', './lib/c.yaml'),
      'p2.yaml': parent('p2', './lib/c.yaml'),
      'lib/c.yaml': chain('c', '  - action_id: da-x\n    timeout_seconds: 999\n'),
    },
    expect: [
      ['schema.range', 'lib/c.yaml', 5, 22],
      ['chain.child_invalid', 'p1.yaml', 5, 11],
      ['chain.child_invalid', 'p2.yaml', 5, 11],
    ],
  },
  'a child that does not parse': {
    files: {
      'p.yaml': parent('p', './lib/c.yaml'),
      'lib/c.yaml': 'version: 1\nchain_id: c\nsteps: [ { action_id: a }\n',
    },
    args: ['p.yaml'],
    expect: [
      ['yaml.syntax', 'lib/c.yaml', 4, 1],
      ['chain.child_invalid', 'p.yaml', 5, 11, /the first at lib\/c\.yaml:4:1/],
    ],
  },
  'a parent with its own error still has its children checked': {
    files: {
      'p.yaml': chain('p', '  - uses: ./lib/gone.yaml\n    payload: { a: 1 }\n  - uses: ./lib/c.yaml\n'),
      'lib/c.yaml': chain('c', '  - action_id: da-x\n    on_failure: nope\n'),
    },
    args: ['p.yaml'],
    expect: [
      ['schema.enum', 'lib/c.yaml', 5, 17],
      ['chain.uses_not_found', 'p.yaml', 4, 11],
      ['schema.not_allowed', 'p.yaml', 5, 5],
      ['chain.child_invalid', 'p.yaml', 6, 11],
    ],
  },

  // --- with: ---
  'with: an unknown name, at the key in the parent, with did-you-mean': {
    files: { 'p.yaml': crmParent('    with:\n      customer_id: C-1\n      tierr: gold\n'), 'lib/crm.yaml': CRM },
    args: ['p.yaml'],
    expect: [
      [
        'chain.unknown_with',
        'p.yaml',
        8,
        7,
        /^`with: tierr`: lib\/crm\.yaml has no input `tierr`; did you mean `tier`\?$/,
        /^its inputs: `customer_id`, `tier`, `limit` or `dry_run`$/,
      ],
    ],
  },
  'with: a required input missing, at `with`': {
    files: { 'p.yaml': crmParent('    with:\n      tier: gold\n'), 'lib/crm.yaml': CRM },
    args: ['p.yaml'],
    expect: [
      [
        'chain.missing_with',
        'p.yaml',
        6,
        5,
        /^lib\/crm\.yaml requires the input `customer_id`, which `with:` does not give$/,
        /^add `customer_id: …` under `with:`$/,
      ],
    ],
  },
  'with: absent while an input is required, at `uses`': {
    files: { 'p.yaml': crmParent(''), 'lib/crm.yaml': CRM },
    args: ['p.yaml'],
    expect: [['chain.missing_with', 'p.yaml', 5, 11, /requires the input `customer_id`/]],
  },
  'with: inputs with a default or not required may be left out': {
    files: { 'p.yaml': crmParent('    with: { customer_id: "${{ chain.id }}" }\n'), 'lib/crm.yaml': CRM },
    args: ['p.yaml'],
    expect: [],
    chains: 1,
  },
  'with: literals of the wrong type, at the value': {
    files: {
      'p.yaml': crmParent('    with:\n      customer_id: C-1\n      limit: "ten"\n      dry_run: yes\n'),
      'lib/crm.yaml': CRM,
    },
    args: ['p.yaml'],
    expect: [
      [
        'chain.with_type',
        'p.yaml',
        8,
        14,
        /^`with: limit` is "ten", but the input `limit` of lib\/crm\.yaml is of type `integer`$/,
        /^give a whole number$/,
      ],
      ['chain.with_type', 'p.yaml', 9, 16, /is "yes", but the input `dry_run` .* `boolean`$/, /`true` or `false`/],
    ],
  },
  'with: to a child that declares no inputs': {
    files: { 'p.yaml': crmParent('    with: { x: 1 }\n'), 'lib/crm.yaml': leaf('crm', 'call_only: true\n') },
    args: ['p.yaml'],
    expect: [['chain.unknown_with', 'p.yaml', 6, 13, /has no input `x`$/, /declares no inputs: remove `with:`/]],
  },

  // --- the child's outputs ---
  'steps.<chain step>.output.<name> the child does not declare, with did-you-mean': {
    files: {
      'p.yaml': crmParent(
        '    with: { customer_id: C-1 }\n',
        'outputs:\n  ok: ${{ steps.crm.output.synced }}\n  st: "is ${{ steps.crm.output.stauts }}"\n',
      ),
      'lib/crm.yaml': CRM,
    },
    args: ['p.yaml'],
    expect: [
      [
        'chain.unknown_output',
        'p.yaml',
        9,
        11,
        /^`\$\{\{ steps\.crm\.output\.stauts \}\}`: lib\/crm\.yaml declares no output `stauts` \(only a child's `outputs:` are visible\); did you mean `status`\?$/,
        /^its outputs: `status` or `synced`$/,
      ],
    ],
  },
  'output.<name> in a chain step’s expect: and a later if: read the child’s outputs': {
    files: {
      'p.yaml': crmParent(
        '    with: { customer_id: C-1 }\n    expect:\n      - ${{ output.synced == true }}\n      - ${{ output.syncd == true }}\n',
        "  - id: next\n    if: ${{ steps.crm.output.statsu == 'success' }}\n    action_id: da-next\n",
      ),
      'lib/crm.yaml': CRM,
    },
    args: ['p.yaml'],
    expect: [
      ['chain.unknown_output', 'p.yaml', 9, 13, /^`output\.syncd`: .*did you mean `synced`\?$/],
      ['chain.unknown_output', 'p.yaml', 11, 13, /^`steps\.crm\.output\.statsu`: .*did you mean `status`\?$/],
    ],
  },

  // --- shapes that are fine ---
  'a child used twice in one parent': {
    files: {
      'p.yaml': chain(
        'p',
        '  - id: first\n    uses: ./lib/crm.yaml\n    with: { customer_id: A }\n  - id: second\n    uses: ./lib/crm.yaml\n    with: { customer_id: "${{ steps.first.output.status }}" }\n',
      ),
      'lib/crm.yaml': CRM,
    },
    args: ['p.yaml'],
    expect: [],
    chains: 1,
    listed: ['p.yaml', 'lib/crm.yaml'],
  },
  'a diamond: two parents, one child, listed once': {
    files: {
      'a.yaml': parent('a', './lib/b.yaml', './lib/c.yaml'),
      'lib/b.yaml': parent('b', './d.yaml'),
      'lib/c.yaml': parent('c', './d.yaml'),
      'lib/d.yaml': leaf('d'),
    },
    args: ['a.yaml'],
    expect: [],
    chains: 1,
    listed: ['a.yaml', 'lib/b.yaml', 'lib/c.yaml', 'lib/d.yaml'],
  },
  'a call_only file is valid and counted': {
    files: { 'lib/crm.yaml': CRM },
    expect: [],
    chains: 1,
  },

  // --- the kind of a step ---
  'a step with both action_id and uses': {
    files: { 'p.yaml': chain('p', '  - id: x\n    action_id: da-x\n    uses: ./c.yaml\n'), 'c.yaml': leaf('c') },
    args: ['p.yaml'],
    expect: [['schema.step_kind', 'p.yaml', 6, 5, /has both `action_id` and `uses`/, /make them two steps/]],
  },
  'payload on a chain step': {
    files: { 'p.yaml': crmParent('    with: { customer_id: C-1 }\n    payload: { a: 1 }\n'), 'lib/crm.yaml': CRM },
    args: ['p.yaml'],
    expect: [['schema.not_allowed', 'p.yaml', 7, 5, /`payload` is not allowed on a chain step/, /into `with:`/]],
  },

  // --- conditions (SPEC 3.5) ---
  'if: text around an expression': {
    files: { 'c.yaml': chain('c', '  - action_id: da-x\n    if: true && ${{ false }}\n') },
    expect: [['expr.text_around', 'c.yaml', 5, 9, /^text before `\$\{\{ … \}\}`/, /`true && false`/]],
  },
  "if: 'yes' (YAML text, not a boolean)": {
    files: { 'c.yaml': chain('c', "  - action_id: da-x\n    if: 'yes'\n") },
    expect: [['expr.syntax', 'c.yaml', 5, 10, /^`yes` is not a value/, /YAML 1\.2 reads it as text\): write `true`/]],
  },
  'if: "\'yes\'" (a string literal)': {
    files: { 'c.yaml': chain('c', '  - action_id: da-x\n    if: "\'yes\'"\n') },
    expect: [['expr.not_boolean', 'c.yaml', 5, 10, /^`'yes'`: a condition must be true or false; got a string$/]],
  },
  'if: 5, said once': {
    files: { 'c.yaml': chain('c', '  - action_id: da-x\n    if: 5\n') },
    expect: [['expr.not_boolean', 'c.yaml', 5, 9, /a condition must be a boolean expression.*; got the number 5$/]],
  },
  "if: 'a' < 1": {
    files: { 'c.yaml': chain('c', "  - action_id: da-x\n    if: ${{ 'a' < 1 }}\n") },
    expect: [
      ['expr.type', 'c.yaml', 5, 13, /^`'a' < 1`: `<` compares two numbers or two strings; got a string and a number$/],
    ],
  },
  'if: an unknown step': {
    files: {
      'c.yaml': chain(
        'c',
        "  - id: profile\n    action_id: da-a\n  - action_id: da-b\n    if: steps.profil.status == 'x'\n",
      ),
    },
    expect: [
      [
        'chain.unknown_step',
        'c.yaml',
        7,
        9,
        /^`steps\.profil\.status` refers to the step `profil`, which does not exist; did you mean `profile`\?$/,
        /^step ids: `profile` or `da-b`$/,
      ],
    ],
  },
  'if: a later step': {
    files: {
      'c.yaml': chain(
        'c',
        "  - id: a\n    action_id: da-a\n    if: ${{ steps.b.status == 'x' }}\n  - id: b\n    action_id: da-b\n",
      ),
    },
    expect: [
      ['chain.forward_ref', 'c.yaml', 6, 13, /refers to the later step `b` \(steps\[1\]\)/, /move the referenced step/],
    ],
  },
  'if: output, which exists only in expect:': {
    files: { 'c.yaml': chain('c', '  - action_id: da-a\n    if: ${{ output.ok == true }}\n') },
    expect: [['expr.unknown_root', 'c.yaml', 5, 13, /exists only in `expect:`/, /steps\.<id>\.output/]],
  },
  'expect: an unknown input': {
    files: {
      'c.yaml': chain(
        'c',
        "  - action_id: da-a\n    expect:\n      - ${{ inputs.regoin == 'x' }}\n",
        'inputs:\n  region: {}\n',
      ),
    },
    expect: [['chain.unknown_input', 'c.yaml', 8, 13, /did you mean `region`\?/]],
  },
  'expect: an item that is not a string': {
    files: {
      'c.yaml': chain('c', '  - action_id: da-a\n    expect:\n      - ${{ output.ok == true }}\n      - { a: 1 }\n'),
    },
    expect: [['expr.not_boolean', 'c.yaml', 7, 9, /got a mapping$/]],
  },
  'the exact column inside a quoted if: and a plain one, each occurrence': {
    files: {
      'c.yaml': chain(
        'c',
        [
          '  - id: a',
          '    action_id: da-a',
          "    if: \"${{ 'steps.zz.status' == steps.zz.status || steps.zz.status == 'x' }}\"",
          '  - id: b',
          '    action_id: da-b',
          "    if: steps.a.status == 'success' && steps.zz.status == 'x'",
          '  - id: c',
          '    action_id: da-c',
          "    if: 'steps.a.status == ''it''''s'' && steps.zz.status == ''x'''",
          '',
        ].join('\n'),
      ),
    },
    expect: [
      ['chain.unknown_step', 'c.yaml', 6, 35],
      ['chain.unknown_step', 'c.yaml', 6, 54],
      ['chain.unknown_step', 'c.yaml', 9, 40],
      ['chain.unknown_step', 'c.yaml', 12, 43],
    ],
  },
  'the same bad expression twice in one payload string, at each place': {
    files: { 'c.yaml': chain('c', '  - action_id: da-a\n    payload: { v: "${{ steps.zz.x }}-${{ steps.zz.x }}" }\n') },
    expect: [
      ['expr.syntax', 'c.yaml', 5, 20, /after `steps\.zz` comes `\.output`/],
      ['expr.syntax', 'c.yaml', 5, 38],
    ],
  },

  // --- hostile uses: ---
  'uses: a folder': {
    files: { 'p.yaml': parent('p', './lib/d.yaml') },
    dirs: ['lib/d.yaml'],
    args: ['p.yaml'],
    expect: [
      [
        'chain.child_invalid',
        'p.yaml',
        5,
        11,
        /^`uses: \.\/lib\/d\.yaml`: `lib\/d\.yaml` is a folder, not a regular file; it was not read$/,
        /point `uses:` at a chain file/,
      ],
    ],
  },
  'uses: a named pipe, never opened': {
    files: { 'p.yaml': parent('p', './lib/pipe.yaml') },
    fifos: ['lib/pipe.yaml'],
    // Given alone: `validate .` would also say that the walk found a pipe named like a chain file.
    args: ['p.yaml'],
    expect: [
      ['chain.child_invalid', 'p.yaml', 5, 11, /is a named pipe \(FIFO\), not a regular file; it was not read$/],
    ],
  },
  'uses: a link that loops': {
    files: { 'p.yaml': parent('p', './lib/loop.yaml') },
    links: [['lib/loop.yaml', 'loop.yaml']],
    args: ['p.yaml'],
    expect: [
      ['chain.child_invalid', 'p.yaml', 5, 11, /cannot be read \(too many symbolic links/, /leads back to itself/],
    ],
  },
  'uses: a file that is not .yaml is refused by its shape': {
    files: { 'p.yaml': parent('p', './lib/c.txt'), 'lib/c.txt': leaf('c') },
    expect: [
      ['schema.pattern', 'p.yaml', 5, 11, /is "\.\/lib\/c\.txt", which is not allowed here/, /ending in `\.yaml`/],
    ],
  },
  'uses: a NUL in the path': {
    files: { 'p.yaml': parent('p', '"./lib/a\\0b.yaml"') },
    expect: [
      [
        'chain.uses_not_found',
        'p.yaml',
        5,
        11,
        /^`uses: "\.\/lib\/a\\u0000b\.yaml"` holds the control character U\+0000, which no chain file's name can hold$/,
      ],
    ],
  },
  'uses: a name too long for any file, quoted short': {
    files: { 'p.yaml': parent('p', `./${'x'.repeat(300)}.yaml`) },
    expect: [['chain.uses_not_found', 'p.yaml', 5, 11, /^`uses: \.\/x{198}…`: there is no file x{200}…$/]],
  },
  'uses: a % is a character like any other, never decoded': {
    files: {
      'p.yaml': parent('p', './lib/%2e%2e/c.yaml', './lib/50%.yaml'),
      'c.yaml': leaf('c'),
      'lib/50%.yaml': leaf('f'),
    },
    args: ['p.yaml'],
    expect: [['chain.uses_not_found', 'p.yaml', 5, 11, /there is no file lib\/%2e%2e\/c\.yaml$/]],
    listed: ['p.yaml', 'lib/50%.yaml'],
  },
};

/** Runs one case in a fresh folder; returns the report and the folder's cleanup. */
async function runCase(name: string, c: Case): Promise<{ report: JsonReport; code: number | null; raw: string }> {
  const { dir, cleanup } = await tempDir(c.files);
  try {
    const base = Object.keys(c.files).some((f) => f.startsWith('repo/')) ? join(dir, 'repo') : dir;
    if (!c.noGit) mkdirSync(join(base, '.git'), { recursive: true });
    for (const [link, target] of c.links ?? []) {
      mkdirSync(join(dir, link, '..'), { recursive: true });
      symlinkSync(target, join(dir, link));
    }
    for (const folder of c.dirs ?? []) mkdirSync(join(dir, folder), { recursive: true });
    for (const fifo of c.fifos ?? []) {
      mkdirSync(join(dir, fifo, '..'), { recursive: true });
      assert.equal(spawnSync('mkfifo', [join(dir, fifo)]).status, 0, 'mkfifo');
    }
    const r = await runCli(['validate', '--format', 'json', ...(c.args ?? ['.'])], {
      cwd: c.cwd ? join(dir, c.cwd) : dir,
      timeoutMs: 20_000,
    });
    assert.equal(r.signal, null, `${name}: the CLI must not hang`);
    assert.equal(r.stderr, '', `${name}: nothing on stderr`);
    return { report: JSON.parse(r.stdout) as JsonReport, code: r.code, raw: r.stdout };
  } finally {
    await cleanup();
  }
}

/** A message for a person: says what is wrong in words, not a stack, not an object dump. */
function assertReadable(d: JsonDiagnostic): void {
  const text = `${d.message}\n${d.hint ?? ''}`;
  assert.ok(d.message.length >= 20, `a whole sentence: ${d.message}`);
  assert.doesNotMatch(text, /\bat \w+ \(|\[object |undefined|NaN/, `no internals: ${text}`);
  assert.ok(!text.includes('\u0000'), `no raw NUL: ${JSON.stringify(text)}`);
  if (d.code.startsWith('chain.')) assert.ok(d.hint && d.hint.length >= 10, `${d.code} says how to fix it: ${text}`);
}

describe('validate: composition and conditions at their exact file:line:col (SPEC 3.3, 3.5)', () => {
  const results = new Map<string, Awaited<ReturnType<typeof runCase>>>();

  before(async () => {
    // A few at a time: each case is its own process.
    const names = Object.keys(CASES);
    const workers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = w; i < names.length; i += 4) {
        const name = names[i] as string;
        results.set(name, await runCase(name, CASES[name] as Case));
      }
    });
    await Promise.all(workers);
  });

  for (const [name, c] of Object.entries(CASES))
    test(name, () => {
      const result = results.get(name);
      assert.ok(result, 'the case ran');
      const { report, code, raw } = result;
      const got = report.diagnostics.map((d) => [d.code, d.file, d.line ?? 0, d.column ?? 0]);
      assert.deepEqual(
        got,
        c.expect.map(([code, file, line, column]) => [code, file, line, column]),
        raw,
      );
      c.expect.forEach(([, , , , message, hint], i) => {
        const d = report.diagnostics[i] as JsonDiagnostic;
        if (message) assert.match(d.message, message);
        if (hint) assert.match(d.hint ?? '', hint);
      });
      for (const d of report.diagnostics) assertReadable(d);
      assert.equal(code, c.expect.length === 0 ? 0 : 2, 'exit code: 0 valid, 2 invalid');
      if (c.chains !== undefined) assert.equal(report.chains, c.chains, 'valid chains');
      if (c.listed)
        assert.deepEqual(
          report.files.map((f) => f.file),
          c.listed,
        );
    });
});

// Root reads everything: the permission case runs the CLI as `nobody` when the tests run as root.
const asRoot = process.getuid?.() === 0;
const nobody = asRoot ? { uid: 65534, gid: 65534 } : {};
const canDrop =
  process.platform !== 'win32' &&
  spawnSync(process.execPath, [CLI, '--version'], { ...nobody, stdio: 'ignore' }).status === 0;

describe('validate: a child that cannot be read, and --format github', () => {
  test(
    'uses: a file without permission is said at the uses:, with how to fix it',
    { skip: !canDrop && 'needs a user (uid 65534) who cannot read the file' },
    async () => {
      const { dir, cleanup } = await tempDir({
        'p.yaml': parent('p', './lib/secret.yaml'),
        'lib/secret.yaml': leaf('s'),
      });
      try {
        mkdirSync(join(dir, '.git'));
        chmodSync(dir, 0o755);
        chmodSync(join(dir, 'lib', 'secret.yaml'), 0o000);
        const options: CliOptions = { cwd: dir, ...nobody };
        const r = await runCli(['validate', '--format', 'json', 'p.yaml'], options);
        const report = JSON.parse(r.stdout) as JsonReport;
        assert.deepEqual(
          report.diagnostics.map((d) => [d.code, d.file, d.line, d.column]),
          [['chain.child_invalid', 'p.yaml', 5, 11]],
        );
        assert.match(
          report.diagnostics[0]?.message ?? '',
          /^`uses: \.\/lib\/secret\.yaml`: `lib\/secret\.yaml` cannot be read \(permission denied\)$/,
        );
        assert.match(report.diagnostics[0]?.hint ?? '', /chmod a\+r/);
        assert.equal(r.code, 2);
      } finally {
        await cleanup();
      }
    },
  );

  test("--format github names the child's file for the child's problem, and the parent's for its uses:", async () => {
    const { dir, cleanup } = await tempDir({
      'p.yaml': parent('p', './lib/50%.yaml'),
      'lib/50%.yaml': chain('c', '  - action_id: da-x\n    on_failure: nope\n'),
    });
    try {
      mkdirSync(join(dir, '.git'));
      const r = await runCli(['validate', '--format', 'github', 'p.yaml'], { cwd: dir });
      assert.equal(r.code, 2);
      const lines = r.stdout.trim().split('\n');
      assert.equal(lines.length, 2, r.stdout);
      // Workflow command properties escape `%` (and `:` and `,`), so the file name survives.
      assert.match(lines[0] ?? '', /^::error file=lib\/50%25\.yaml,line=5,col=17,title=schema\.enum::/);
      assert.match(
        lines[1] ?? '',
        /^::error file=p\.yaml,line=5,col=11,title=chain\.child_invalid::`uses: \.\/lib\/50%25\.yaml`: /,
      );
    } finally {
      await cleanup();
    }
  });
});
