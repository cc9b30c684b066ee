#!/usr/bin/env node
// dist/cli.cjs, the `cxchain` command: starts the CLI bundle (dist/cli-bundle.cjs, src/cli/build-cli.mjs) from V8's code
// cache. Node 20 has no compile cache for ES modules (module.enableCompileCache is Node 22), but
// vm.Script takes V8's cached data for a script: the bytecode of the functions a typical run of
// the command compiled, so a start does not parse and compile them again. V8 refuses data made by
// another V8 version or with other flags, and then compiles as usual: the cache can cost speed,
// never change behaviour. This file is CommonJS because Node starts a CommonJS file about 8 ms
// sooner than an ES module, and this is all `--version` runs.
'use strict';
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { homedir } = require('node:os');
const { join } = require('node:path');
const { Script } = require('node:vm');

/** Set by the build: the bundle's content hash, so no cache ever meets another bundle. */
const BUILD = __CXCHAIN_BUILD__;
/** Set by the build from package.json, the version main.ts reads too. */
const VERSION = __CXCHAIN_VERSION__;
/**
 * Which cache a command starts from. V8 reads a cache whole, so each command loads the bytecode of
 * what it runs and nothing more; a command not listed starts from the one for help.
 */
const CACHE_OF = { validate: 'check', list: 'check', schema: 'check', plan: 'check', run: 'run', watch: 'run' };

const bundle = join(__dirname, 'cli-bundle.cjs');
const args = process.argv.slice(2);

if (args.length === 1 && (args[0] === '--version' || args[0] === '-v' || args[0] === '-V')) {
  // The one answer that needs none of the bundle; it is what commander prints for the same flags.
  process.stdout.write(`${VERSION}\n`);
} else if (process.env.CXCHAIN_DEBUG === '1') {
  // Node maps stacks through source maps only for code its own loader compiled.
  process.setSourceMapsEnabled(true);
  require(bundle);
} else start(CACHE_OF[args[0]] ?? 'help');

function start(name) {
  // The cache built with the package, else one this user's machine made for its own Node.
  const key = `${BUILD} ${name} ${process.version} ${process.arch}\n`;
  const shipped = join(__dirname, `cli-bundle.${name}.v8cache`);
  const building = process.env.CXCHAIN_V8CACHE_BUILD === '1';
  const own = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cxchain', `${BUILD}-${name}.v8cache`);
  const cachedData = readCache(shipped, key) ?? (building ? undefined : readCache(own, key));
  const source = readFileSync(bundle, 'utf8');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData,
  });
  // The build runs typical commands to fill the shipped caches (src/cli/build-cli.mjs); elsewhere a
  // missing or refused cache is written once, when the process ends. A failure to is ignored.
  if (building || cachedData === undefined || script.cachedDataRejected)
    process.once('exit', () => writeCache(building ? shipped : own, key, script, building));
  const bundleModule = { exports: {} };
  script.runInThisContext()(bundleModule.exports, require, bundleModule, bundle, __dirname);
}

/** The cached data in `file` when it was made for `key`, else undefined. */
function readCache(file, key) {
  try {
    const data = readFileSync(file);
    const head = Buffer.from(key);
    return data.subarray(0, head.length).equals(head) ? data.subarray(head.length) : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the cache whole or not at all; only the shipped one may be read by other users. */
function writeCache(file, key, script, shared) {
  try {
    const data = Buffer.concat([Buffer.from(key), script.createCachedData()]);
    mkdirSync(join(file, '..'), { recursive: true, mode: shared ? 0o755 : 0o700 });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, data, { mode: shared ? 0o644 : 0o600 });
    renameSync(temp, file);
  } catch {
    // Only speed is lost: the next start compiles as this one did.
  }
}
