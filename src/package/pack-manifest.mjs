// `npm pack` and `npm publish` step (issue 15, point 2): the package.json that goes into the
// tarball has no script npm runs when the package is installed. npm puts package.json into the
// tarball as it is, and the repository needs its `prepare`: `npm ci` here builds dist/ with it,
// and so does a git install (`npm i github:cxchain/cxchain#ref`), for which npm's pacote installs
// the clone's dependencies and then runs `prepare` (lib/git.js, lib/dir.js) — it runs no other
// script there, so `prepack` could not take its place. In a tarball there is nothing left to
// build, yet npm (11.16 and later) lists a `prepare` of a tarball or folder among the install
// scripts waiting for `allowScripts`, and npm 12 blocks them.
//
// `prepack` (after the build) runs `strip`: package.json loses those scripts, and its text as it
// was is kept in package.json.prepack. `postpack` runs `restore`. A pack stopped in between
// leaves package.json stripped, which `git status` shows; the next pack or `restore` puts it
// back, and neither ever overwrites a package.json someone edited meanwhile.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The scripts npm runs for an installed package (`prepare` only for a tarball, folder or git source). */
export const INSTALL_SCRIPTS = [
  'preinstall',
  'install',
  'postinstall',
  'prepublish',
  'preprepare',
  'prepare',
  'postprepare',
];

/** `text` (a package.json) without its install scripts; the same string when it has none. */
export function stripInstallScripts(text) {
  const manifest = JSON.parse(text);
  const scripts = manifest.scripts ?? {};
  const found = INSTALL_SCRIPTS.filter((name) => name in scripts);
  if (found.length === 0) return text;
  for (const name of found) delete scripts[name];
  // Written as npm and Prettier write package.json, so the tarball's copy reads like the original.
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Whole or not at all: a reader running meanwhile (a test, an editor) never sees half a file. */
function writeWhole(file, text) {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}

export function strip(dir) {
  const file = join(dir, 'package.json');
  const kept = `${file}.prepack`;
  const text = readFileSync(file, 'utf8');
  // Left by a pack that stopped before `restore`: package.json is still the stripped one.
  if (existsSync(kept) && stripInstallScripts(readFileSync(kept, 'utf8')) === text) return;
  const stripped = stripInstallScripts(text);
  if (stripped === text) return;
  writeWhole(kept, text);
  writeWhole(file, stripped);
}

export function restore(dir) {
  const file = join(dir, 'package.json');
  const kept = `${file}.prepack`;
  if (!existsSync(kept)) return;
  const original = readFileSync(kept, 'utf8');
  if (readFileSync(file, 'utf8') !== stripInstallScripts(original))
    throw new Error(
      `package.json changed while it was stripped for packing; compare it with ${kept} (its text before the pack), then delete that file`,
    );
  writeWhole(file, original);
  rmSync(kept);
}

function main([command, dir = process.cwd()]) {
  if (command === 'strip') strip(dir);
  else if (command === 'restore') restore(dir);
  else {
    process.stderr.write('usage: node src/package/pack-manifest.mjs strip|restore [dir]\n');
    return 2;
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`pack-manifest: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
