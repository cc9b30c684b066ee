import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ChainEvent } from '../engine/index.js';
import type { Redactor } from './redact.js';

export interface AuditWriterOptions {
  /** Keep request payloads and response data in the lines. Default false (SPEC 6). */
  payloads: boolean;
  redactor: Redactor;
}

/**
 * JSONL audit trail (SPEC 6): opened for append, each event written whole with one write call
 * straight to the file descriptor, so a run killed at any moment leaves only complete lines.
 */
export function createAuditWriter(
  file: string,
  options: AuditWriterOptions,
): { write(event: ChainEvent): void; close(): void } {
  mkdirSync(dirname(file), { recursive: true });
  const fd = openSync(file, 'a');
  let open = true;
  return {
    write(event) {
      if (open) writeSync(fd, `${options.redactor.json(eventForOutput(event, options.payloads))}\n`);
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

/** An event as it may leave the process: without payloads and response data unless asked for. */
export function eventForOutput(event: ChainEvent, payloads: boolean): ChainEvent {
  if (payloads) return event;
  if (event.type === 'step_start' && 'payload' in event) {
    const { payload: _payload, ...rest } = event;
    return rest;
  }
  if (event.type === 'step_end' && event.result.response_data !== null) {
    return { ...event, result: { ...event.result, response_data: '[omitted: use --audit-payloads]' } };
  }
  return event;
}
