// A small Language Server Protocol client for the editor tests: JSON-RPC 2.0 over the server's
// stdio with `Content-Length` framing (LSP base protocol), every wait bounded by a timeout.
import { spawn, type ChildProcess } from 'node:child_process';

/** How long one answer or notification may take before the test fails, ms. */
const WAIT_MS = 15_000;

export interface LspMessage {
  jsonrpc: '2.0';
  id?: number | string;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string };
}

export interface LspClient {
  /** Sends a request and resolves with its `result`; rejects on an error answer or after the wait. */
  request<T>(method: string, params: unknown): Promise<T>;
  notify(method: string, params: unknown): void;
  /** The first notification of `method` (already received or still to come) that `accept` takes. */
  notification<T>(method: string, accept: (params: T) => boolean): Promise<T>;
  /** Stops the server: `shutdown` and `exit` when it answers, else a kill. */
  close(): Promise<void>;
}

/**
 * Starts `command args` as a language server. `onRequest` answers the server's own requests
 * (`workspace/configuration`, `client/registerCapability`, …); by default with `null`.
 */
export function startLsp(
  command: string,
  args: readonly string[],
  onRequest: (method: string, params: unknown) => unknown = () => null,
): LspClient {
  const child: ChildProcess = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let nextId = 1;
  let buffer = Buffer.alloc(0);
  let stderr = '';
  const pending = new Map<number | string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const received: LspMessage[] = [];
  const waiters = new Set<(message: LspMessage) => void>();
  let exited = false;

  const send = (message: LspMessage) => {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    child.stdin?.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]));
  };

  const dispatch = (message: LspMessage) => {
    if (message.method !== undefined && message.id !== undefined) {
      send({ jsonrpc: '2.0', id: message.id, result: onRequest(message.method, message.params) ?? null });
      return;
    }
    if (message.method === undefined && message.id !== undefined) {
      const waiting = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) waiting?.reject(new Error(`${message.error.code}: ${message.error.message}`));
      else waiting?.resolve(message.result);
      return;
    }
    received.push(message);
    for (const waiter of waiters) waiter(message);
  };

  child.stdout?.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = /Content-Length: (\d+)/i.exec(buffer.subarray(0, end).toString('ascii'));
      if (!length) throw new Error(`a message without Content-Length: ${buffer.subarray(0, end).toString()}`);
      const start = end + 4;
      const size = Number(length[1]);
      if (buffer.length < start + size) return;
      const body = buffer.subarray(start, start + size).toString('utf8');
      buffer = buffer.subarray(start + size);
      dispatch(JSON.parse(body) as LspMessage);
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.on('exit', () => {
    exited = true;
    for (const { reject } of pending.values()) reject(new Error(`the server exited: ${stderr}`));
    pending.clear();
  });

  const bounded = <T>(what: string, promise: Promise<T>, cancel: () => void): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        cancel();
        reject(new Error(`no ${what} within ${WAIT_MS} ms; server stderr: ${stderr.slice(-2000)}`));
      }, WAIT_MS);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  };

  return {
    request<T>(method: string, params: unknown): Promise<T> {
      const id = nextId++;
      const answer = new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: (v) => resolve(v as T), reject });
      });
      send({ jsonrpc: '2.0', id, method, params });
      return bounded(`answer to ${method}`, answer, () => pending.delete(id));
    },
    notify(method: string, params: unknown) {
      send({ jsonrpc: '2.0', method, params });
    },
    notification<T>(method: string, accept: (params: T) => boolean): Promise<T> {
      const matches = (m: LspMessage) => m.method === method && accept(m.params as T);
      const already = received.find(matches);
      if (already) return Promise.resolve(already.params as T);
      let waiter: ((m: LspMessage) => void) | undefined;
      const arrived = new Promise<T>((resolve) => {
        waiter = (m) => {
          if (matches(m)) resolve(m.params as T);
        };
        waiters.add(waiter);
      });
      return bounded(`${method} notification`, arrived, () => waiter && waiters.delete(waiter)).finally(
        () => waiter && waiters.delete(waiter),
      );
    },
    async close() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        await this.request('shutdown', null);
        this.notify('exit', null);
        await bounded('exit', gone, () => undefined);
      } catch {
        child.kill('SIGKILL');
        await gone;
      }
    },
  };
}
