// Packs the package as npm does, for `npm run check:package` (check-package.mjs) and the consumer
// test (test/package.test.ts), and reads the tarball back without a tar program.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { strip } from './pack-manifest.mjs';

/**
 * What `npm pack --json` says of one tarball.
 * @typedef {{ filename: string, size: number, unpackedSize: number, entryCount: number, files: { path: string, size: number }[] }} PackReport
 */

/**
 * Runs npm with `args` in `cwd` and returns what it printed as JSON.
 * @param {string[]} args
 * @param {string} cwd
 * @returns {unknown}
 */
function npmJson(args, cwd) {
  // npm is npm.cmd on Windows, which only a shell starts.
  const r = spawnSync('npm', [...args, '--json'], { cwd, encoding: 'utf8', shell: process.platform === 'win32' });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
  // Lifecycle scripts write to stdout too; npm's JSON is the last thing it prints.
  return JSON.parse(r.stdout.slice(r.stdout.search(/^\[/m)));
}

/**
 * `npm pack` of `root` into `destination`, as `npm publish` packs it: prepack builds dist/ and
 * strips the install scripts from package.json, postpack puts them back (package.json scripts).
 * @param {string} root
 * @param {string} destination
 * @returns {PackReport & { tarball: string }}
 */
export function packFresh(root, destination) {
  const [report] = /** @type {PackReport[]} */ (npmJson(['pack', '--pack-destination', destination], root));
  if (!report) throw new Error('npm pack reported no tarball');
  return { ...report, tarball: join(destination, report.filename) };
}

/**
 * The same tarball from dist/ as it is, without building again (`npm test` has just built): what
 * `files` names, with package.json and the README npm always takes, is copied to a temporary
 * folder, stripped as prepack strips it, and packed there with no scripts. npm picks the files
 * there by the same rules, so the list is the one `npm pack` makes here.
 * @param {string} root
 * @param {string} destination
 * @returns {PackReport & { tarball: string }}
 */
export function packBuilt(root, destination) {
  const { files = [] } = /** @type {{ files?: string[] }} */ (
    JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  );
  const stage = mkdtempSync(join(tmpdir(), 'cxchain-stage-'));
  try {
    for (const entry of ['package.json', 'README.md', ...files])
      cpSync(join(root, entry), join(stage, entry), { recursive: true });
    strip(stage);
    const [report] = /** @type {PackReport[]} */ (
      npmJson(['pack', '--ignore-scripts', '--pack-destination', destination], stage)
    );
    if (!report) throw new Error('npm pack reported no tarball');
    return { ...report, tarball: join(destination, report.filename) };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/**
 * The regular files of a .tgz as npm writes it (ustar; pax headers for long names), by path.
 * @param {string} file
 * @returns {Map<string, Buffer>}
 */
export function readTarball(file) {
  const data = gunzipSync(readFileSync(file));
  /** @type {Map<string, Buffer>} */
  const files = new Map();
  /** @type {string | undefined} */
  let longName;
  for (let at = 0; at + 512 <= data.length;) {
    const header = data.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const text = (/** @type {number} */ from, /** @type {number} */ to) =>
      header.toString('utf8', from, to).replace(/\0.*$/s, '');
    const size = parseInt(text(124, 136).trim() || '0', 8);
    const type = text(156, 157);
    const body = data.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      // A pax header: `LEN path=VALUE\n` records; only the path matters here.
      longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1];
      continue;
    }
    const prefix = text(345, 500);
    const name = longName ?? (prefix ? `${prefix}/${text(0, 100)}` : text(0, 100));
    longName = undefined;
    if (type === '0' || type === '') files.set(name, Buffer.from(body));
  }
  return files;
}
