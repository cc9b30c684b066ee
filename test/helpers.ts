import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { createSimulator, type SimActions, type Simulator } from '../src/sim/index.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = join(ROOT, 'dist', 'cli.cjs');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Run as this user and group (a test running as root checks permissions as someone else). */
  uid?: number;
  gid?: number;
  /** What the CLI reads on stdin. Default: nothing (`ignore`). */
  stdin?: string;
  /** Kill the process after this many ms (a test must never hang). Default 30 s. */
  timeoutMs?: number;
}

/** Runs the built CLI as a real process. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, NO_COLOR: '1', CI: '', GITHUB_ACTIONS: '', ...options.env },
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      ...(options.uid === undefined ? {} : { uid: options.uid }),
      ...(options.gid === undefined ? {} : { gid: options.gid }),
    });
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A fresh temp directory holding the given files; removed by the returned cleanup. */
export async function tempDir(
  files: Record<string, string | Buffer> = {},
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'cxchain-test-'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** How long a wait for a watch event may take before the test fails, ms. */
const WAIT_MS = 10_000;

/** Polls `predicate` until it holds; throws with `describe()` after `timeoutMs`. */
export async function waitFor(
  what: string,
  predicate: () => boolean,
  describe: () => string,
  timeoutMs = WAIT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n--- output ---\n${describe()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface Watcher {
  child: ChildProcess;
  out(): string;
  err(): string;
  /** Resolves when stdout matches, with the match. */
  see(pattern: RegExp, what?: string): Promise<RegExpMatchArray>;
  /** Count of runs started so far. */
  runs(): number;
  /** Sends a signal and waits for the exit, at most `withinMs`. */
  stop(
    signal?: NodeJS.Signals,
    withinMs?: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

export interface WatchOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Run as this user and group (a test running as root checks permissions as someone else). */
  uid?: number;
  gid?: number;
}

/** Starts `cxchain watch` and waits for its header. Stopped (and killed if need be) by `stop`. */
const HEADER = /^watching .*\n.*to quit\n/m;

export async function startWatch(args: string[], options: WatchOptions): Promise<Watcher> {
  const child = spawn(process.execPath, [CLI, 'watch', '--renderer', 'simple', ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', CI: '', GITHUB_ACTIONS: '', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  const describe = () => `${stdout}\n--- stderr ---\n${stderr}`;
  const watcher: Watcher = {
    child,
    out: () => stdout,
    err: () => stderr,
    async see(pattern, what = String(pattern)) {
      await waitFor(what, () => pattern.test(stdout) || child.exitCode !== null, describe);
      const match = pattern.exec(stdout);
      if (!match) throw new Error(`the watcher exited (${child.exitCode}) before ${what}\n${describe()}`);
      return match;
    },
    runs: () => stdout.match(/▶ running/g)?.length ?? 0,
    async stop(signal = 'SIGINT', withinMs = 3000) {
      const t0 = Date.now();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), withinMs);
      const result = await exited;
      clearTimeout(timer);
      return { ...result, ms: Date.now() - t0 };
    },
  };
  try {
    // Start-up is a process spawn, a validation and a simulator: on a machine running several
    // suites at once it has been seen to take over 10 s, which says nothing about watch itself.
    await waitFor('the header', () => HEADER.test(stdout) || child.exitCode !== null, describe, 3 * WAIT_MS);
    if (!HEADER.test(stdout))
      throw new Error(`the watcher exited (${child.exitCode}) before its header\n${describe()}`);
  } catch (error) {
    // A watcher that never got going must not outlive its test: it would keep the run alive.
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
  return watcher;
}

/** Deterministic PRNG (mulberry32): the same seed gives the same cases on every machine, so a failing seed can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** git in a test repository, with an identity and no signing, whatever the machine's config says; its output trimmed. */
export function git(dir: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=cxchain test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args],
    { cwd: dir, encoding: 'utf8' },
  ).trim();
}

/** Writes `files` (name → text) under `dir`, making folders as needed. */
export async function put(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
}

/**
 * Runs the built CLI on a pseudo-terminal (util-linux `script`), 500 columns wide, and splits what
 * it drew into frames: log-update erases the last frame (`ESC[2K ESC[1A` per line, then
 * `ESC[2K ESC[G`) before drawing the next. `prefix` goes before the command (e.g. `timeout -s INT 1`).
 */
export function runOnTerminal(
  args: readonly string[],
  options: {
    cwd: string;
    env?: NodeJS.ProcessEnv;
    prefix?: string;
    timeoutMs?: number;
    /** 0: leave the size unset, so the terminal reports 0 columns as `script` alone does. Default 500. */
    columns?: number;
  },
): Promise<{ code: number | null; frames: string[]; raw: string }> {
  const argv = [process.execPath, CLI, ...args].map((a) => JSON.stringify(a)).join(' ');
  const size = options.columns === 0 ? '' : `stty cols ${options.columns ?? 500} rows 80; `;
  const command = `${size}exec ${options.prefix ? `${options.prefix} ` : ''}${argv}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env, NO_COLOR: '1', CI: '', GITHUB_ACTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let raw = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (raw += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const frames = raw
        .split('\u001b[2K\u001b[G')
        // eslint-disable-next-line no-control-regex -- removing terminal sequences is the point
        .map((frame) => frame.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, ''));
      resolve({ code, frames, raw });
    });
  });
}

/** The CXONE_* settings that send the CLI to a simulator the test started, as a client of its own. */
export function simulatorEnv(sim: Simulator, clientId: string, clientSecret: string): NodeJS.ProcessEnv {
  return {
    CXONE_BASE_URL: sim.url,
    CXONE_TOKEN_URL: sim.tokenUrl,
    CXONE_CLIENT_ID: clientId,
    CXONE_CLIENT_SECRET: clientSecret,
  };
}

export interface SimulatorFixture {
  /** Set before the file's first test runs. */
  sim: Simulator;
  /** The CXONE_* settings for `sim`, and `env` given. */
  env: NodeJS.ProcessEnv;
  /** A temp folder holding `files`. */
  dir: string;
}

/**
 * The simulator and the folder of chain files a test file's CLI runs use: started before its
 * tests, closed and removed after them.
 */
export function useSimulator(options: {
  actions: SimActions;
  files: Record<string, string>;
  /** The client id; the secret is made from it, long enough to be redacted. */
  client: string;
  env?: NodeJS.ProcessEnv;
}): SimulatorFixture {
  const fixture = {} as SimulatorFixture;
  let cleanup: () => Promise<void> = async () => undefined;
  before(async () => {
    fixture.sim = await createSimulator({ actions: options.actions });
    fixture.env = { ...simulatorEnv(fixture.sim, options.client, `${options.client}-secret-value`), ...options.env };
    ({ dir: fixture.dir, cleanup } = await tempDir(options.files));
  });
  after(async () => {
    await fixture.sim?.close();
    await cleanup();
  });
  return fixture;
}
