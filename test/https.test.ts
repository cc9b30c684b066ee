// A run against a tenant over TLS: node:https is loaded only for an https URL (issue 14), so this
// is the test that the lazily loaded path still sends, keeps alive and answers as the http one.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, tempDir } from './helpers.js';

const hasOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;

describe(
  'run over https',
  { skip: hasOpenssl ? false : 'needs openssl (Debian package openssl) to make a certificate' },
  () => {
    let server: Server;
    let url: string;
    let dir: string;
    let cleanup: () => Promise<void>;
    const seen: string[] = [];
    let connections = 0;

    before(async () => {
      ({ dir, cleanup } = await tempDir({
        'chain.yaml': [
          'version: 1',
          'chain_id: over-tls',
          'steps:',
          '  - action_id: da-one',
          '  - action_id: da-two',
          '',
        ].join('\n'),
      }));
      const made = spawnSync(
        'openssl',
        ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'].concat([
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ]),
        { stdio: 'ignore' },
      );
      assert.equal(made.status, 0, 'openssl made a certificate');
      server = createServer(
        { key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) },
        (req, res) => {
          seen.push(`${req.method} ${req.url}`);
          req.resume();
          req.on('end', () => {
            res.setHeader('content-type', 'application/json');
            res.end(
              req.url === '/oauth/token'
                ? JSON.stringify({ access_token: 'tls-token-0123456789', token_type: 'bearer', expires_in: 3600 })
                : JSON.stringify({ ok: true }),
            );
          });
        },
      );
      server.on('secureConnection', () => (connections += 1));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await cleanup();
    });

    test('both steps pass over one kept-alive TLS connection', async () => {
      const r = await runCli(['run', join(dir, 'chain.yaml')], {
        env: {
          NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'),
          CXONE_BASE_URL: url,
          CXONE_TOKEN_URL: `${url}/oauth/token`,
          CXONE_CLIENT_ID: 'tls-client',
          CXONE_CLIENT_SECRET: 'tls-secret-value',
        },
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /1 chain: 1 completed; 2 steps run in/);
      assert.deepEqual(seen, [
        'POST /oauth/token',
        'POST /api/v2/integration/data-actions/da-one/execute',
        'POST /api/v2/integration/data-actions/da-two/execute',
      ]);
      assert.equal(connections, 1);
    });
  },
);
