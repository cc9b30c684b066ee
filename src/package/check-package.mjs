// `npm run check:package` (issue 15, point 2): packs the package and checks the tarball a user
// installs, offline. publint (package.json against the files), Are the Types Wrong (how Node and
// TypeScript resolve each export), and what neither looks at: no script runs on install, every
// file is one the package means to ship, and packing left package.json as it was.
//
//   node src/package/check-package.mjs           packs as `npm publish` does (builds first)
//   node src/package/check-package.mjs --built   packs dist/ as it is (`npm test`, just built)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packBuilt, packFresh, readTarball } from './pack.mjs';
import { INSTALL_SCRIPTS } from './pack-manifest.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'package.json'));
/** Besides package.json, README and LICENSE (which npm always takes): what the package ships. */
// The files `cxchain init` writes ship as they are, under dist/init-templates/.
const SHIPPED =
  /^package\/(dist\/.+\.(js|cjs|d\.ts|v8cache|cjs\.map)|dist\/init-templates\/[\w.-]+|schemas\/[\w.-]+\.schema\.json)$/;

/** @param {string} file */
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/**
 * Runs a devDependency's command with this Node, its output passed through.
 * @param {string} name the package
 * @param {string} bin its command
 * @param {string[]} args
 */
function runBin(name, bin, args) {
  // Looked up as Node looks up a package, but not through `exports`, which not every package
  // opens to its package.json or has a main entry in.
  const dir = (require.resolve.paths(name) ?? [])
    .map((modules) => join(modules, name))
    .find((d) => existsSync(join(d, 'package.json')));
  if (!dir) throw new Error(`${name} is not installed (npm ci)`);
  const manifest = readJson(join(dir, 'package.json'));
  const path = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin[bin];
  const file = join(dir, path);
  process.stdout.write(`\n$ ${bin} ${args.join(' ')}\n`);
  return spawnSync(process.execPath, [file, ...args], { stdio: 'inherit' }).status;
}

const built = process.argv.includes('--built');
const destination = mkdtempSync(join(tmpdir(), 'cxchain-check-'));
/** @type {string[]} */
const problems = [];
try {
  const before = readFileSync(join(root, 'package.json'), 'utf8');
  const packed = built ? packBuilt(root, destination) : packFresh(root, destination);
  if (readFileSync(join(root, 'package.json'), 'utf8') !== before)
    problems.push('package.json is not as it was before packing (postpack should restore it)');

  const files = readTarball(packed.tarball);
  const manifest = JSON.parse(files.get('package/package.json')?.toString('utf8') ?? '{}');
  const scripts = INSTALL_SCRIPTS.filter((name) => manifest.scripts && name in manifest.scripts);
  if (scripts.length > 0) problems.push(`the tarball's package.json has install scripts: ${scripts.join(', ')}`);
  const always = new Set(['package/package.json', 'package/README.md', 'package/LICENSE']);
  for (const path of files.keys())
    if (!always.has(path) && !SHIPPED.test(path)) problems.push(`${path} is in the tarball but is not meant to ship`);

  const kib = (/** @type {number} */ n) => `${(n / 1024).toFixed(0)} KiB`;
  process.stdout.write(
    `${packed.filename}: ${kib(packed.size)} packed, ${kib(packed.unpackedSize)} unpacked, ${packed.entryCount} files${built ? ' (dist/ as built)' : ''}\n`,
  );
  if (runBin('publint', 'publint', ['run', packed.tarball, '--strict']) !== 0) problems.push('publint found problems');
  // esm-only: the package is an ES module, which Node ≥ 20.19 also loads through require (the
  // `engines` floor), while attw's node10 and node16-from-CommonJS resolutions model older Nodes
  // and TypeScript before `module: nodenext` learnt require(esm). --no-definitely-typed keeps it
  // from asking the registry for @types packages.
  if (runBin('@arethetypeswrong/cli', 'attw', [packed.tarball, '--profile', 'esm-only', '--no-definitely-typed']) !== 0)
    problems.push('Are the Types Wrong found problems');
} catch (error) {
  problems.push(error instanceof Error ? error.message : String(error));
} finally {
  rmSync(destination, { recursive: true, force: true });
}

for (const problem of problems) process.stderr.write(`check:package: ${problem}\n`);
process.exitCode = problems.length > 0 ? 1 : 0;
