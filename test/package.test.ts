// What a consumer of the package reaches (issue 15, point 2): first through its `exports`, resolved
// by Node itself through the package's self-reference; then as a project of its own gets it, from
// the tarball npm packs, installed by npm, compiled against by tsc with no @types/node, and run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { INSTALL_SCRIPTS } from '../src/package/pack-manifest.mjs';
import { packBuilt, readTarball } from '../src/package/pack.mjs';
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

/**
 * A library user's code (SPEC 4) that needs no host types: load, validate, run against the
 * simulator, follow the events. Compiled as an ES module and as CommonJS.
 */
const CONSUMER = `import { createClient, createSimulator, loadChains, resolveConnection, runChain, validateChains } from 'cxchain';
import type { ChainEvent } from 'cxchain';

export async function check(chainFile: string): Promise<string> {
  const loaded = await loadChains([chainFile]);
  const [chain] = loaded.chains;
  if (!chain) throw new Error(loaded.diagnostics.map((d) => d.message).join('; '));
  const invalid = validateChains([{ file: 'bad.yaml', text: 'version: 1\\nchain_id: bad\\n' }]);
  const sim = await createSimulator();
  // Any record of strings is an environment: no process.env needed.
  const env = { CXONE_CLIENT_ID: 'consumer', CXONE_CLIENT_SECRET: 'consumer-secret' };
  const client = createClient(resolveConnection({ baseUrl: sim.url, tokenUrl: sim.tokenUrl }, env));
  const events: ChainEvent['type'][] = [];
  try {
    const result = await runChain(chain, { client, onEvent: (event) => void events.push(event.type) });
    // @ts-expect-error a result's status is a closed union: the published types are real, not any.
    const impossible: 'no such status' = result.final_status;
    return [
      result.chain_id,
      impossible,
      result.aggregated_responses.map((step) => step.status).join(','),
      events[0],
      events[events.length - 1],
      invalid.diagnostics.length > 0,
    ].join(' ');
  } finally {
    await client.close();
    await sim.close();
  }
}
`;

/** A consumer's compiler settings: strict, and no types of Node or the DOM to lean on. */
const compilerOptions = (module: string, moduleResolution: string) => ({
  strict: true,
  module,
  moduleResolution,
  target: 'es2022',
  lib: ['es2022'],
  types: [],
  skipLibCheck: false,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
});

describe('the packed package, installed in a project of its own', () => {
  let project = '';
  const run = (command: string, args: string[]) =>
    spawnSync(command, args, { cwd: project, encoding: 'utf8', timeout: 120_000 });
  let manifest: { scripts?: Record<string, string> } = {};
  let install = { status: null as number | null, output: '' };

  before(() => {
    project = mkdtempSync(join(tmpdir(), 'cxchain-consumer-'));
    const packed = packBuilt(ROOT, project);
    const files = readTarball(packed.tarball);
    manifest = JSON.parse(files.get('package/package.json')?.toString('utf8') ?? '{}') as typeof manifest;
    const spec = `file:${packed.filename}`;
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { cxchain: spec } }),
    );
    // The lockfile of a project with only cxchain in it, taken from this repository's (its non-dev
    // part), so npm installs from its cache, which `npm ci` here filled: no registry needed.
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    const packages: Record<string, unknown> = {
      '': { name: 'consumer', dependencies: { cxchain: spec } },
      'node_modules/cxchain': {
        version: own.version,
        resolved: spec,
        license: own.license,
        dependencies: own.dependencies,
        bin: own.bin,
        engines: own.engines,
      },
    };
    for (const [path, entry] of Object.entries(lock.packages)) if (path !== '' && !entry.dev) packages[path] = entry;
    writeFileSync(
      join(project, 'package-lock.json'),
      JSON.stringify({ name: 'consumer', lockfileVersion: 3, packages }),
    );
    // npm is npm.cmd on Windows, which only a shell starts.
    const r = spawnSync('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: project,
      encoding: 'utf8',
      timeout: 120_000,
      shell: process.platform === 'win32',
    });
    install = { status: r.status, output: r.stdout + r.stderr };

    writeFileSync(join(project, 'main.ts'), CONSUMER);
    writeFileSync(join(project, 'main.cts'), CONSUMER);
    const tsconfig = (options: object, files: string[]) => JSON.stringify({ compilerOptions: options, files });
    writeFileSync(
      join(project, 'tsconfig.json'),
      tsconfig({ ...compilerOptions('nodenext', 'nodenext'), outDir: 'out' }, ['main.ts', 'main.cts']),
    );
    writeFileSync(
      join(project, 'tsconfig.bundler.json'),
      tsconfig({ ...compilerOptions('preserve', 'bundler'), noEmit: true }, ['main.ts']),
    );
  });
  after(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  test('the tarball has no install script, and npm installs it with no word about scripts', () => {
    assert.deepEqual(
      INSTALL_SCRIPTS.filter((name) => manifest.scripts && name in manifest.scripts),
      [],
      "the tarball's package.json",
    );
    assert.equal(install.status, 0, install.output);
    assert.doesNotMatch(install.output, /install.scripts|allowScripts|prepare/i);
  });

  const tsc = (args: string[]) =>
    spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), ...args], {
      cwd: project,
      encoding: 'utf8',
    });

  test('its types compile under tsc --strict with no @types/node or lib.dom (nodenext, CommonJS, bundler)', () => {
    const nodenext = tsc(['-p', 'tsconfig.json', '--listFiles']);
    assert.equal(nodenext.status, 0, nodenext.stdout);
    assert.match(nodenext.stdout, /node_modules\/cxchain\/dist\/index\.d\.ts/);
    // Nor did a .d.ts reach @types/node another way (a `/// <reference types="node" />` would).
    assert.doesNotMatch(nodenext.stdout, /@types\/node/);
    const bundler = tsc(['-p', 'tsconfig.bundler.json']);
    assert.equal(bundler.status, 0, bundler.stdout);
  });

  test('an ES module and a CommonJS module (require) each run a chain with it', () => {
    const chain = join(ROOT, 'chains', 'cust-data-sync-001.yaml');
    const expected = 'cust-data-sync-001 completed success,success,success chain_start chain_end true';
    const esm = run(process.execPath, [
      '-e',
      'import("./out/main.js").then((m) => m.check(process.argv[1])).then((s) => process.stdout.write(s))',
      chain,
    ]);
    assert.equal(esm.stderr, '');
    assert.equal(esm.stdout, expected);
    assert.match(readFileSync(join(project, 'out', 'main.cjs'), 'utf8'), /require\("cxchain"\)/);
    const cjs = run(process.execPath, [
      '-e',
      'require("./out/main.cjs").check(process.argv[1]).then((s) => process.stdout.write(s))',
      chain,
    ]);
    assert.equal(cjs.stderr, '');
    assert.equal(cjs.stdout, expected);
  });

  test('the cxchain command it links runs', () => {
    const bin = join(project, 'node_modules', '.bin', 'cxchain');
    const version = run(bin, ['--version']);
    assert.equal(version.stdout, `${pkg.version}\n`);
    const sim = run(bin, ['run', join(ROOT, 'chains', 'cust-data-sync-001.yaml'), '--sim']);
    assert.equal(sim.status, 0, sim.stderr);
    assert.match(sim.stdout, /1 chain: 1 completed; 3 steps run in/);
  });
});
