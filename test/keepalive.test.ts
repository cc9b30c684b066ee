import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createClient } from '../src/cxone/index.js';
import type { ExecuteRequest } from '../src/cxone/types.js';
import { createSimulator, type Simulator } from '../src/sim/index.js';

/**
 * An HTTP/1.1 server written on raw sockets that keeps connections alive without a `Keep-Alive`
 * hint, and drops a connection that sat idle longer than `idleMs` at the moment the next request
 * arrives on it, unread: the race a client meets when a server closes idle connections.
 */
async function idleDroppingServer(idleMs: number) {
  let answered = 0;
  let dropped = 0;
  const server: Server = createServer((socket: Socket) => {
    let lastActive = Date.now();
    let buffer = '';
    socket.on('data', (chunk) => {
      if (buffer === '' && Date.now() - lastActive > idleMs) {
        dropped += 1;
        socket.resetAndDestroy();
        return;
      }
      buffer += chunk.toString('latin1');
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length: *(\d+)/i.exec(buffer.slice(0, end))?.[1] ?? 0);
      if (buffer.length < end + 4 + length) return;
      buffer = '';
      answered += 1;
      const body = JSON.stringify({ ok: true, n: answered });
      socket.write(
        `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: keep-alive\r\n\r\n${body}`,
      );
      lastActive = Date.now();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => ({ answered, dropped }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const request = (): ExecuteRequest => ({
  actionId: 'da-echo',
  payload: {},
  timeoutMs: 2000,
  idempotent: false,
  retry: { maxAttempts: 1, initialDelayMs: 10, maxDelayMs: 20 },
  idempotencyKey: randomUUID(),
});

describe('kept-alive connections a server closes (SPEC 5, issue 12)', () => {
  let sim: Simulator;
  before(async () => {
    sim = await createSimulator();
  });
  after(() => sim.close());

  test('a connection dropped unread when reused is sent again at once on a new one: no failed step', async () => {
    const tenant = await idleDroppingServer(100);
    const client = createClient({
      baseUrl: tenant.url,
      tokenUrl: sim.tokenUrl,
      clientId: 'keepalive-test',
      clientSecret: 'keepalive-test-secret',
      grant: 'client_credentials',
      authMethod: 'body',
      scope: 'integration:data-actions:execute',
      executePath: '/api/v2/integration/data-actions/{actionId}/execute',
    });
    try {
      const outcomes: boolean[] = [];
      for (let i = 0; i < 8; i++) {
        // Past the server's idle limit but within the client's: the connection is reused.
        await new Promise((resolve) => setTimeout(resolve, 150));
        const r = await client.execute(request());
        outcomes.push(r.ok);
        assert.equal(r.attempts, 1, 'the resend is not a retry of the step');
      }
      assert.deepEqual(outcomes, Array(8).fill(true));
      const { answered, dropped } = tenant.stats();
      assert.equal(answered, 8);
      assert.ok(dropped >= 3, `the server dropped only ${dropped} reused connections: the race was not met`);
    } finally {
      await client.close();
      await tenant.close();
    }
  });
});
