import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CLI, tempDir } from './helpers.js';

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

describe('watch and a chain file it cannot read (issue 12, found by QA)', () => {
  test(
    'a file that appears unreadable is one warning, and watching goes on',
    { skip: asRoot ? false : 'needs root, to run the CLI as another user (uid 65534) who cannot read the file' },
    async () => {
      const { dir, cleanup } = await tempDir({
        'chains/ok.yaml': 'version: 1\nchain_id: ok\nsteps:\n  - action_id: da-echo\n',
      });
      try {
        for (const path of [dir, join(dir, 'chains'), join(dir, 'chains/ok.yaml')]) {
          chownSync(path, NOBODY, NOBODY);
          chmodSync(path, 0o755);
        }
        const child = spawn(process.execPath, [CLI, 'watch', 'chains', '--sim'], {
          cwd: dir,
          uid: NOBODY,
          gid: NOBODY,
          env: { ...process.env, NO_COLOR: '1' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
        const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
        const waitFor = async (pattern: RegExp, what: string) => {
          for (let i = 0; i < 100 && !pattern.test(out); i++) await new Promise((r) => setTimeout(r, 100));
          assert.match(out, pattern, what);
        };
        try {
          await waitFor(/watching chains/, 'watch started');
          const file = join(dir, 'chains/secret.yaml');
          writeFileSync(file, 'version: 1\nchain_id: s\nsteps:\n  - action_id: da-echo\n', { mode: 0o000 });
          chownSync(file, 0, 0);
          await waitFor(/`chains\/secret\.yaml` cannot be read \(permission denied\); watching goes on/, 'one warning');
        } finally {
          child.kill('SIGTERM');
        }
        assert.equal(await closed, 143, out);
        assert.equal(out.match(/secret\.yaml` cannot be read/g)?.length, 1, out);
        assert.doesNotMatch(out, /internal error|watching failed/);
      } finally {
        await cleanup();
      }
    },
  );
});
