// Tests that need a program from Debian (Chromium, xmllint) install it in their set-up, as root on
// a Debian machine, or are skipped with a message that names the package (DEVELOPERS: setup rules).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const tried = new Map<string, string | undefined>();
let updated = false;

/**
 * The path of `binary`, installing Debian's `pkg` once per test process when it is missing; or a
 * `skip` message naming the package when it cannot be had (not root, no apt, no network).
 */
export function debianProgram(pkg: string, binary: string): { path: string } | { skip: string } {
  const found = () => (existsSync(binary) ? binary : undefined);
  if (!tried.has(pkg)) {
    let path = found();
    if (!path && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      try {
        if (!updated) execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env, timeout: 300_000 });
        updated = true;
        execFileSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'ignore', env, timeout: 600_000 });
      } catch {
        // Reported below as a skip that names the package.
      }
      path = found();
    }
    tried.set(pkg, path);
  }
  const path = tried.get(pkg);
  return path ? { path } : { skip: `needs Debian's ${pkg} package (${binary}): apt-get install ${pkg}` };
}

/** Headless Chromium with the flags this closed network needs (no background connections, no sandbox as root). */
export function chromiumArgs(userDataDir: string): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${userDataDir}`,
  ];
}

/** Loads a page in headless Chromium and returns the DOM once its scripts settled (virtual time). */
export function dumpDom(chromium: string, userDataDir: string, url: string): string {
  const r = spawnSync(chromium, [...chromiumArgs(userDataDir), '--virtual-time-budget=30000', '--dump-dom', url], {
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`chromium exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}
