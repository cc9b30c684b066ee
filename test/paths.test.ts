import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CLI, runCli, startWatch, tempDir, waitFor, type CliResult } from './helpers.js';

// Issue 12: paths as a person expects. FIFOs, sockets, devices, pipes and unreadable paths are
// diagnostics (exit 2) in every command, never a stack or a hang; watch keeps its folders.
// Every spawned CLI is killed after LIMIT_MS, so a hang fails its test instead of stalling it.

const LIMIT_MS = 10_000;
const TEST = { timeout: 30_000 };

const chain = (id: string) =>
  `version: 1\nchain_id: ${id}\nsteps:\n  - action_id: da-echo\n    payload: { id: ${id} }\n`;

interface JsonDiagnostic {
  code: string;
  file: string;
  message: string;
}

function git(dir: string, ...args: string[]): void {
  execFileSync(
    'git',
    ['-c', 'user.name=cxchain test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args],
    { cwd: dir, stdio: 'ignore' },
  );
}

/** A temp git repository with `chains/ok.yaml` committed, so `plan --base HEAD` has a base. */
async function repo(files: Record<string, string> = {}) {
  const made = await tempDir({ 'chains/ok.yaml': chain('ok'), ...files });
  git(made.dir, 'init', '-q', '-b', 'main');
  git(made.dir, 'add', '-A');
  git(made.dir, 'commit', '-q', '-m', 'base');
  return made;
}

function listen(path: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject).listen(path, () => resolve(server));
  });
}

/** A CLI result that is a clean refusal: exit 2 in time, no internal error, no stack. */
function assertRefused(r: CliResult, what: string): void {
  const output = `${r.stdout}\n--- stderr ---\n${r.stderr}`;
  assert.equal(r.signal, null, `${what}: killed after ${LIMIT_MS} ms (a hang)\n${output}`);
  assert.equal(r.code, 2, `${what}\n${output}`);
  assert.doesNotMatch(output, /internal error|\n\s+at .+:\d+:\d+/, `${what}: no internal error, no stack`);
}

const diagnosticsOf = (r: CliResult) => (JSON.parse(r.stdout) as { diagnostics: JsonDiagnostic[] }).diagnostics;

/** `validate --format json`, `list`, `run --sim` and `plan --format json` on `args`, each refused. */
async function assertEveryCommandRefuses(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; uid?: number; gid?: number },
  expected: { code: string; file: string; message: RegExp }[],
): Promise<void> {
  const run = (command: string[]) => runCli(command, { ...options, timeoutMs: LIMIT_MS });
  const matches = (diagnostics: JsonDiagnostic[], what: string) => {
    for (const e of expected) {
      const found = diagnostics.find((d) => d.code === e.code && d.file === e.file);
      assert.ok(found, `${what}: ${e.code} for ${e.file} in ${JSON.stringify(diagnostics)}`);
      assert.match(found.message, e.message, what);
    }
  };

  const validate = await run(['validate', '--format', 'json', ...args]);
  assertRefused(validate, 'validate');
  matches(diagnosticsOf(validate), 'validate');

  const text = await run(['validate', ...args]);
  assertRefused(text, 'validate (text)');
  for (const e of expected) assert.match(text.stdout, e.message);

  const list = await run(['list', ...args]);
  assertRefused(list, 'list');
  for (const e of expected) assert.match(list.stderr, e.message);

  const runs = await run(['run', '--sim', ...args]);
  assertRefused(runs, 'run');
  for (const e of expected) assert.match(runs.stderr, e.message);
  assert.match(runs.stderr, /nothing was run/);

  const plan = await run(['plan', '--base', 'HEAD', '--format', 'json', ...args]);
  assertRefused(plan, 'plan');
  matches((JSON.parse(plan.stdout) as { diagnostics: JsonDiagnostic[] }).diagnostics, 'plan');
}

describe('a FIFO, a socket or a device is a diagnostic in validate, list, run and plan', () => {
  test(
    'a FIFO named like a chain file in a folder: path.not_regular, the other files still checked',
    TEST,
    async () => {
      const { dir, cleanup } = await repo();
      try {
        execFileSync('mkfifo', [join(dir, 'chains/pipe.yaml')]);
        // Not named like a chain file: not a chain file, so not a problem.
        execFileSync('mkfifo', [join(dir, 'chains/notes.fifo')]);
        await assertEveryCommandRefuses(['chains'], { cwd: dir }, [
          {
            code: 'path.not_regular',
            file: 'chains/pipe.yaml',
            message: /`chains\/pipe\.yaml` is a named pipe \(FIFO\), not a regular file/,
          },
        ]);
        const r = await runCli(['validate', '--format', 'json', 'chains'], { cwd: dir, timeoutMs: LIMIT_MS });
        const report = JSON.parse(r.stdout) as {
          files: { file: string; valid: boolean }[];
          diagnostics: JsonDiagnostic[];
        };
        assert.deepEqual(report.files, [{ file: 'chains/ok.yaml', valid: true }]);
        assert.deepEqual(
          report.diagnostics.map((d) => d.file),
          ['chains/pipe.yaml'],
        );
      } finally {
        await cleanup();
      }
    },
  );

  test('a FIFO given by name', TEST, async () => {
    const { dir, cleanup } = await repo();
    try {
      execFileSync('mkfifo', [join(dir, 'chains/pipe.yaml')]);
      await assertEveryCommandRefuses(['chains/pipe.yaml'], { cwd: dir }, [
        { code: 'path.not_regular', file: 'chains/pipe.yaml', message: /is a named pipe \(FIFO\), not a regular file/ },
      ]);
    } finally {
      await cleanup();
    }
  });

  test('a Unix socket in a folder and given by name', TEST, async () => {
    const { dir, cleanup } = await repo();
    const server = await listen(join(dir, 'chains/sock.yaml'));
    try {
      const expected = [
        {
          code: 'path.not_regular',
          file: 'chains/sock.yaml',
          message: /`chains\/sock\.yaml` is a socket, not a regular file/,
        },
      ];
      await assertEveryCommandRefuses(['chains'], { cwd: dir }, expected);
      await assertEveryCommandRefuses(['chains/sock.yaml'], { cwd: dir }, expected);
    } finally {
      server.close();
      await cleanup();
    }
  });

  test('/dev/null is a character device; plan refuses it as outside the repository', TEST, async () => {
    const { dir, cleanup } = await repo();
    try {
      const message = /`\/dev\/null` is a character device, not a regular file/;
      for (const command of [['validate'], ['list'], ['run', '--sim']]) {
        const r = await runCli([...command, '/dev/null'], { cwd: dir, timeoutMs: LIMIT_MS });
        assertRefused(r, command.join(' '));
        assert.match(r.stdout + r.stderr, message);
      }
      const json = await runCli(['validate', '--format', 'json', '/dev/null'], { cwd: dir, timeoutMs: LIMIT_MS });
      assert.deepEqual(
        diagnosticsOf(json).map((d) => [d.code, d.file]),
        [['path.not_regular', '/dev/null']],
      );
      const plan = await runCli(['plan', '--base', 'HEAD', '/dev/null'], { cwd: dir, timeoutMs: LIMIT_MS });
      assertRefused(plan, 'plan');
      assert.match(plan.stderr, /`\/dev\/null` is outside the git repository/);
    } finally {
      await cleanup();
    }
  });
});

// Chosen: a pipe is refused, not read. Files are read by path, and read again to show an error's
// source line; a pipe can be read once, and one whose writer never ends would hang the command.
describe('a pipe (a process substitution, /dev/stdin) is refused with what to do instead', () => {
  const hasBash = spawnSync('bash', ['-c', 'true']).status === 0;

  /** `cxchain <command> <(cat file)` in bash, killed after LIMIT_MS. */
  function withProcessSubstitution(command: string[], file: string, cwd: string): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      // The file comes through "$2" so no path is ever parsed as shell text.
      const script = `exec "$0" "$1" ${command.join(' ')} <(cat "$2")`;
      const child = spawn('bash', ['-c', script, process.execPath, CLI, file], {
        cwd,
        env: { ...process.env, NO_COLOR: '1', CI: '', GITHUB_ACTIONS: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr });
      });
    });
  }

  test('cxchain validate|list|run|watch <(cat chain.yaml)', { ...TEST, skip: !hasBash && 'needs bash' }, async () => {
    const { dir, cleanup } = await tempDir({ 'chain.yaml': chain('piped') });
    try {
      for (const command of [['validate'], ['list'], ['run', '--sim'], ['watch', '--sim']]) {
        const r = await withProcessSubstitution(command, join(dir, 'chain.yaml'), dir);
        assertRefused(r, command.join(' '));
        assert.match(
          r.stdout + r.stderr,
          /`\/dev\/fd\/\d+` is an unnamed pipe \(what a process substitution `<\(…\)` passes\), not a file/,
        );
        assert.match(r.stdout + r.stderr, /write it to a file first/);
      }
    } finally {
      await cleanup();
    }
  });

  test('/dev/stdin as a pipe, even one whose writer never ends', TEST, async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const r = await runCli(['validate', '--format', 'json', '/dev/stdin'], {
        cwd: dir,
        stdin: chain('piped'),
        timeoutMs: LIMIT_MS,
      });
      assertRefused(r, 'validate /dev/stdin');
      assert.deepEqual(
        diagnosticsOf(r).map((d) => [d.code, d.file]),
        [['path.not_regular', '/dev/stdin']],
      );
      // A writer that never closes: reading would wait for ever.
      const open = spawn(process.execPath, [CLI, 'validate', '/dev/stdin'], {
        cwd: dir,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const exited = new Promise<number | null>((resolve) => open.on('close', resolve));
      const timer = setTimeout(() => open.kill('SIGKILL'), LIMIT_MS);
      assert.equal(await exited, 2);
      clearTimeout(timer);
      open.stdin.destroy();
    } finally {
      await cleanup();
    }
  });
});

// Root reads everything: the permission cases run the CLI as `nobody` when the tests run as root.
const asRoot = process.getuid?.() === 0;
const other = asRoot ? { uid: 65534, gid: 65534 } : {};
const canDrop =
  process.platform !== 'win32' &&
  spawnSync(process.execPath, [CLI, '--version'], { ...other, stdio: 'ignore' }).status === 0;
const permissionSkip = !canDrop && 'needs a non-root user (uid 65534) to run the CLI as, for permission checks';

/** A repository `nobody` may enter, with a locked sub-folder and a file nobody may read. */
async function lockedRepo() {
  const made = await repo({ 'chains/locked/hidden.yaml': chain('hidden'), 'chains/secret.yaml': chain('secret') });
  chmodSync(made.dir, 0o755);
  chmodSync(join(made.dir, 'chains/locked'), 0o000);
  chmodSync(join(made.dir, 'chains/secret.yaml'), 0o000);
  return {
    ...made,
    // git refuses a repository owned by someone else unless told it is safe; HOME is root's otherwise.
    env: { HOME: made.dir, GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'safe.directory', GIT_CONFIG_VALUE_0: '*' },
    cleanup: async () => {
      chmodSync(join(made.dir, 'chains/locked'), 0o755);
      await made.cleanup();
    },
  };
}

describe('what cannot be read is path.unreadable', { skip: permissionSkip }, () => {
  test('a sub-folder and a file without permission, in every command', TEST, async () => {
    const { dir, env, cleanup } = await lockedRepo();
    try {
      await assertEveryCommandRefuses(['chains'], { cwd: dir, env, ...other }, [
        {
          code: 'path.unreadable',
          file: 'chains/locked',
          message: /`chains\/locked` is a folder that cannot be read \(permission denied\)/,
        },
        {
          code: 'path.unreadable',
          file: 'chains/secret.yaml',
          message: /`chains\/secret\.yaml` cannot be read \(permission denied\)/,
        },
      ]);
      const r = await runCli(['validate', '--format', 'json', 'chains'], {
        cwd: dir,
        env,
        ...other,
        timeoutMs: LIMIT_MS,
      });
      const report = JSON.parse(r.stdout) as { files: { file: string; valid: boolean }[] };
      assert.deepEqual(
        report.files.find((f) => f.file === 'chains/ok.yaml'),
        { file: 'chains/ok.yaml', valid: true },
      );
    } finally {
      await cleanup();
    }
  });

  test('given by name: the file, the folder, and a file inside the folder', TEST, async () => {
    const { dir, env, cleanup } = await lockedRepo();
    try {
      for (const [given, message] of [
        ['chains/secret.yaml', /`chains\/secret\.yaml` cannot be read \(permission denied\)/],
        ['chains/locked', /`chains\/locked` is a folder that cannot be read \(permission denied\)/],
        ['chains/locked/hidden.yaml', /`chains\/locked\/hidden\.yaml` cannot be read \(permission denied\)/],
      ] as const) {
        const r = await runCli(['validate', '--format', 'json', given], {
          cwd: dir,
          env,
          ...other,
          timeoutMs: LIMIT_MS,
        });
        assertRefused(r, given);
        assert.deepEqual(
          diagnosticsOf(r).map((d) => [d.code, d.file]),
          [['path.unreadable', given]],
        );
        assert.match(diagnosticsOf(r)[0]?.message ?? '', message);
        const w = await runCli(['watch', '--sim', given], { cwd: dir, env, ...other, timeoutMs: LIMIT_MS });
        assertRefused(w, `watch ${given}`);
        assert.match(w.stderr, message);
        assert.match(w.stderr, /nothing was watched/);
      }
    } finally {
      await cleanup();
    }
  });

  test('watch says once that a sub-folder cannot be read, and goes on', TEST, async () => {
    const { dir, env, cleanup } = await lockedRepo();
    const w = await startWatch(['--sim', 'chains'], { cwd: dir, env, ...other });
    try {
      const out = () => w.out() + w.err();
      assert.equal(out().match(/`chains\/locked` is a folder that cannot be read/g)?.length, 1, out());
      assert.match(out(), /`chains\/secret\.yaml` cannot be read \(permission denied\)/);
      writeFileSync(join(dir, 'chains/new.yaml'), chain('new'));
      await w.see(/✔ new chains\/new\.yaml — completed/, 'the new file to run');
      assert.equal(out().match(/`chains\/locked` is a folder that cannot be read/g)?.length, 1, out());
    } finally {
      const stopped = await w.stop('SIGTERM');
      assert.equal(stopped.code, 143, w.out() + w.err());
      await cleanup();
    }
  });
});

describe('cxchain watch and odd paths', () => {
  test('a FIFO or a socket appearing is said and left alone; SIGTERM still works', TEST, async () => {
    const { dir, cleanup } = await tempDir({ 'chains/a.yaml': chain('a') });
    const w = await startWatch(['--sim', 'chains'], { cwd: dir });
    let server: Server | undefined;
    try {
      execFileSync('mkfifo', [join(dir, 'chains/pipe.yaml')]);
      await w.see(
        /! `chains\/pipe\.yaml` is a named pipe \(FIFO\), not a regular file; it was not read; watching goes on/,
        'the FIFO warning',
      );
      server = await listen(join(dir, 'chains/sock.yaml'));
      await w.see(/! `chains\/sock\.yaml` is a socket, not a regular file/, 'the socket warning');
      // Still responsive: a change runs.
      writeFileSync(join(dir, 'chains/a.yaml'), chain('a').replace('id: a }', 'id: a2 }'));
      await w.see(/✔ a chains\/a\.yaml — completed/, 'a run after the FIFO');
    } finally {
      const stopped = await w.stop('SIGTERM', 3000);
      assert.equal(stopped.signal, null, 'not killed');
      assert.equal(stopped.code, 143);
      server?.close();
      await cleanup();
    }
  });

  test('a FIFO in a watched folder at start is in the header; watching goes on', TEST, async () => {
    const { dir, cleanup } = await tempDir({ 'chains/a.yaml': chain('a') });
    execFileSync('mkfifo', [join(dir, 'chains/pipe.yaml')]);
    const w = await startWatch(['--sim', 'chains'], { cwd: dir });
    try {
      assert.match(
        w.out(),
        /chains\/pipe\.yaml {2}error {2}`chains\/pipe\.yaml` is a named pipe \(FIFO\).*\[path\.not_regular\]/,
      );
      assert.match(w.out(), /^watching chains: 1 chain file;/m);
      writeFileSync(join(dir, 'chains/b.yaml'), chain('b'));
      await w.see(/✔ b chains\/b\.yaml — completed/, 'a new file to run');
    } finally {
      assert.equal((await w.stop('SIGINT')).code, 130);
      await cleanup();
    }
  });

  test('a FIFO, a socket or /dev/null given to watch is exit 2', TEST, async () => {
    const { dir, cleanup } = await tempDir({ 'chains/a.yaml': chain('a') });
    execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
    const server = await listen(join(dir, 'sock.yaml'));
    try {
      for (const [given, kind] of [
        ['pipe.yaml', 'a named pipe \\(FIFO\\)'],
        ['sock.yaml', 'a socket'],
        ['/dev/null', 'a character device'],
      ] as const) {
        const r = await runCli(['watch', '--sim', given], { cwd: dir, timeoutMs: LIMIT_MS });
        assertRefused(r, `watch ${given}`);
        assert.match(r.stderr, new RegExp(`\`${given}\` is ${kind}, not a regular file`));
        assert.match(r.stderr, /nothing was watched: pass files or directories that exist and can be read/);
      }
    } finally {
      server.close();
      await cleanup();
    }
  });

  test('a watched folder removed and made again is watched again; watch does not end meanwhile', TEST, async () => {
    const { dir, cleanup } = await tempDir({ 'chains/a.yaml': chain('a'), 'next/c.yaml': chain('c') });
    const w = await startWatch(['--sim', 'chains'], { cwd: dir });
    try {
      rmSync(join(dir, 'chains'), { recursive: true });
      await w.see(/− chains was removed; it is watched again when it is created again/, 'the removal');
      assert.match(w.out(), /− chains\/a\.yaml was deleted/);
      // No terminal on stdin and nothing left to watch: it must still not end (it ended with 0).
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(w.child.exitCode, null, w.out() + w.err());
      mkdirSync(join(dir, 'chains'));
      await w.see(/\+ chains is back; watching it again/, 'the folder to be watched again');
      writeFileSync(join(dir, 'chains/b.yaml'), chain('b'));
      await w.see(/✔ b chains\/b\.yaml — completed/, 'a new file in the new folder to run');
      // Moved into place with a chain already in it (a checkout does that): the chain was added.
      rmSync(join(dir, 'chains'), { recursive: true });
      renameSync(join(dir, 'next'), join(dir, 'chains'));
      await w.see(/✔ c chains\/c\.yaml — completed/, 'the chain of the folder moved in');
      assert.doesNotMatch(w.err(), /error/);
    } finally {
      assert.equal((await w.stop('SIGINT')).code, 130, w.out() + w.err());
      await cleanup();
    }
  });

  for (const inside of [false, true]) {
    test(
      `the folder holding a watched folder removed (${inside ? 'it is the working directory' : 'from outside'}): exit 2, why on stderr`,
      TEST,
      async () => {
        const { dir, cleanup } = await tempDir({ 'proj/chains/a.yaml': chain('a') });
        const w = await startWatch(['--sim', inside ? 'chains' : 'proj/chains'], {
          cwd: inside ? join(dir, 'proj') : dir,
        });
        try {
          rmSync(join(dir, 'proj'), { recursive: true });
          await waitFor(
            'watch to end',
            () => w.child.exitCode !== null,
            () => w.out() + w.err(),
            5000,
          );
          const stopped = await w.stop();
          assert.equal(stopped.code, 2, w.out() + w.err());
          const shown = inside ? 'chains' : 'proj/chains';
          const parent = inside ? join(dir, 'proj') : 'proj';
          assert.match(
            w.err(),
            new RegExp(
              `error: ${shown} was removed, and so was ${parent.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} that held it: watching cannot go on`,
            ),
          );
          assert.doesNotMatch(w.out(), /error:/, 'the reason is on stderr only');
        } finally {
          await w.stop('SIGKILL');
          await cleanup();
        }
      },
    );
  }
});

// Keys need a terminal on stdin: util-linux `script` gives the CLI a pseudo-terminal.
const hasScript = process.platform === 'linux' && spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

describe(
  'cxchain watch on a terminal, with a FIFO',
  { skip: !hasScript && 'needs util-linux script for a pseudo-terminal' },
  () => {
    for (const [key, name, code] of [
      ['q', 'q', 0],
      ['\u0003', 'Ctrl-C', 130],
    ] as const) {
      test(`${name} still quits (exit ${code}) after a FIFO appeared`, TEST, async () => {
        const { dir, cleanup } = await tempDir({ 'chains/a.yaml': chain('a') });
        const command = `stty cols 120 rows 40; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} watch --sim`;
        const child = spawn('script', ['-qfec', command, '/dev/null'], {
          cwd: dir,
          env: { ...process.env, NO_COLOR: '1' },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
        try {
          await waitFor(
            'the header',
            () => /press q to quit/.test(out),
            () => out,
          );
          execFileSync('mkfifo', [join(dir, 'chains/pipe.yaml')]);
          await waitFor(
            'the FIFO warning',
            () => /pipe\.yaml` is a named pipe \(FIFO\)/.test(out),
            () => out,
          );
          child.stdin.write(key);
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          const exitCode = await exited;
          clearTimeout(timer);
          assert.equal(exitCode, code, out);
          assert.match(out, /stopped watching/);
        } finally {
          child.kill('SIGKILL');
          await cleanup();
        }
      });
    }
  },
);
