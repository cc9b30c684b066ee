// What a consumer of the package reaches through its `exports` (issue 15, point 2), resolved by
// Node itself through the package's self-reference, as an installed copy resolves it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ROOT } from './helpers.js';

const node = (args: string[]) => spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; files: string[] };

describe('the package', () => {
  test('require("cxchain") works from CommonJS (Node ≥ 20.19 requires ES modules)', () => {
    const r = node([
      '-e',
      'const c = require("cxchain"); process.stdout.write([typeof c.loadChains, typeof c.validateChains, typeof c.runChain].join(" "))',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'function function function');
  });

  test('import from an ES module, cxchain/package.json and cxchain/schema.json resolve', () => {
    const r = node([
      '--input-type=module',
      '-e',
      'import { runChain } from "cxchain"; import { createRequire } from "node:module"; const require = createRequire(import.meta.url); process.stdout.write([typeof runChain, require("cxchain/package.json").version, require("cxchain/schema.json").$schema].join(" "))',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `function ${pkg.version} https://json-schema.org/draft/2020-12/schema`);
  });

  test('the licence the package names ships with it', () => {
    assert.ok(pkg.files.includes('LICENSE'));
    assert.match(readFileSync(join(ROOT, 'LICENSE'), 'utf8'), /^MIT License/);
    assert.ok(existsSync(join(ROOT, 'dist', 'cli.cjs')), 'the command the package names as its bin is built');
  });
});
