import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** Bodies above this are drained and refused with 413 rather than held in memory. */
export const MAX_REQUEST_BYTES = 64 * 1024 * 1024;

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** The whole request body, or 'too_large' once it passes `max` bytes (the rest is drained, not kept). */
export function readBody(req: IncomingMessage, max = MAX_REQUEST_BYTES): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(size > max ? 'too_large' : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)),
    );
    req.on('error', reject);
  });
}

/** Answers unless the client has already gone; returns whether the answer was written. */
export function send(
  res: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders,
  body: Buffer | string,
): boolean {
  if (res.destroyed || res.headersSent) return false;
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
  return true;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: OutgoingHttpHeaders = {},
): boolean {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return send(res, status, { 'content-type': JSON_CONTENT_TYPE, ...headers }, text);
}

/** Header values as one string each: a repeated header is joined the way HTTP would fold it. */
export function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** The JSON value of a body: null when empty, the text itself when it is not JSON. */
export function parseJsonBody(raw: Buffer): { value: unknown; valid: boolean } {
  if (raw.length === 0) return { value: null, valid: true };
  const text = raw.toString('utf8');
  try {
    return { value: JSON.parse(text) as unknown, valid: true };
  } catch {
    return { value: text, valid: false };
  }
}
