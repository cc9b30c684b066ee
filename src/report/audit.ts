import { closeSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ChainEvent, RunEvent, StepResult } from '../engine/index.js';
import { ensureDir, OutputError, writeAll } from './output-file.js';
import type { RunSink } from './sink.js';

/**
 * JSONL audit trail (SPEC 6): opened for append, each event written whole with one write call
 * straight to the file descriptor, before the request it records leaves, so a run killed at any
 * moment leaves only complete lines and every request it sent. Events arrive redacted, and
 * without payloads unless `--audit-payloads` asked for them.
 */
export function createAuditSink(file: string): RunSink {
  let fd: number | undefined;
  try {
    ensureDir(dirname(file));
    fd = openSync(file, 'a');
  } catch (error) {
    throw new OutputError(file, error);
  }
  const close = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };
  return {
    name: file,
    audience: 'data',
    event(event) {
      if (fd === undefined) return;
      try {
        writeAll(fd, `${JSON.stringify(event)}\n`);
      } catch (error) {
        throw new OutputError(file, error);
      }
    },
    // The audit outlives a run in watch: it is closed with the session, not at a run's end.
    abandon: close,
  };
}

/** An event as it may leave the process: without payloads and response data unless asked for. */
export function eventForOutput<E extends RunEvent | ChainEvent>(event: E, payloads: boolean): E {
  if (payloads) return event;
  if (event.type === 'step_start' && 'payload' in event) {
    const { payload: _payload, ...rest } = event;
    return rest as E;
  }
  if (event.type === 'step_end' && (event.result.response_data !== null || event.result.child)) {
    return { ...event, result: omitResponses(event.result) };
  }
  return event;
}

const OMITTED = '[omitted: use --audit-payloads]';

/** A step's result without answers, and a chain step's child likewise: its outputs are answers too. */
function omitResponses(step: StepResult): StepResult {
  const omitted: StepResult = { ...step, response_data: step.response_data === null ? null : OMITTED };
  if (step.child)
    omitted.child = {
      ...step.child,
      // Answers, as the chain step's own response_data (which says they were omitted).
      outputs: null,
      aggregated_responses: step.child.aggregated_responses.map(omitResponses),
    };
  return omitted;
}
