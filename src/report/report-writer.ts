import { closeSync, openSync, readSync, rmSync } from 'node:fs';
import type { ChainResult } from '../engine/index.js';
import { addTotals, emptyTotals, JUNIT_FOOTER, junitHeader, junitSuite, type JunitTotals } from './junit.js';
import { openAtomicFile, OutputError, tempPathOf, writeAll } from './output-file.js';
import type { RunSink } from './sink.js';

export interface ReportTargets {
  json?: string;
  junit?: string;
}

/**
 * Hands results on in input order whatever the completion order, holding only those that ended
 * out of order (issue 7: a run of thousands of chains stays flat in memory).
 */
function inInputOrder(write: (result: ChainResult) => void) {
  const waiting = new Map<number, ChainResult>();
  let next = 0;
  return {
    add(result: ChainResult, index: number) {
      waiting.set(index, result);
      for (let r = waiting.get(next); r !== undefined; r = waiting.get(next)) {
        waiting.delete(next);
        next += 1;
        write(r);
      }
    },
    /** Chains that ended out of order after an interruption still belong in the file. */
    flush() {
      for (const index of [...waiting.keys()].sort((a, b) => a - b)) write(waiting.get(index) as ChainResult);
      waiting.clear();
    },
  };
}

/** `--report json=FILE`: `{ "results": [ … ] }`, streamed into a temporary file, renamed when whole. */
export function createJsonReportSink(target: string): RunSink {
  const file = openAtomicFile(target);
  let written = 0;
  const order = inInputOrder((result) => {
    file.write(`${written ? ',' : ''}\n${indent(JSON.stringify(result, null, 2), '    ')}`);
    written += 1;
  });
  file.write('{\n  "results": [');
  return {
    name: target,
    audience: 'data',
    result: (result, index) => order.add(result, index),
    commit() {
      order.flush();
      file.write(written ? '\n  ]\n}\n' : ']\n}\n');
      file.commit();
    },
    abandon: () => file.abandon(),
  };
}

/**
 * `--report junit=FILE`. The root element carries the totals, so the suites wait in a side file
 * until the end; the report is then written whole through a temporary file.
 */
export function createJunitReportSink(target: string): RunSink {
  const file = openAtomicFile(target);
  const partPath = tempPathOf(target, 'part');
  let part: number | undefined;
  try {
    part = openSync(partPath, 'w');
  } catch (error) {
    file.abandon();
    throw new OutputError(target, error);
  }
  let totals: JunitTotals = emptyTotals();
  const order = inInputOrder((result) => {
    const suite = junitSuite(result);
    totals = addTotals(totals, suite);
    try {
      writeAll(part as number, suite.xml);
    } catch (error) {
      throw new OutputError(target, error);
    }
  });
  const dropPart = () => {
    if (part !== undefined) closeSync(part);
    part = undefined;
    rmSync(partPath, { force: true });
  };
  return {
    name: target,
    audience: 'data',
    result: (result, index) => order.add(result, index),
    commit() {
      order.flush();
      file.write(junitHeader(totals));
      copyInto(partPath, file.write, target);
      file.write(JUNIT_FOOTER);
      dropPart();
      file.commit();
    },
    abandon() {
      try {
        dropPart();
      } finally {
        file.abandon();
      }
    },
  };
}

/** The report sinks of `--report` flags; a file that cannot be opened is an `OutputError` before anything runs. */
export function createReportSinks(targets: ReportTargets): RunSink[] {
  const sinks: RunSink[] = [];
  try {
    if (targets.json !== undefined) sinks.push(createJsonReportSink(targets.json));
    if (targets.junit !== undefined) sinks.push(createJunitReportSink(targets.junit));
  } catch (error) {
    for (const sink of sinks) sink.abandon?.();
    throw error;
  }
  return sinks;
}

function indent(text: string, pad: string): string {
  return pad + text.replace(/\n/g, `\n${pad}`);
}

function copyInto(from: string, write: (data: Uint8Array) => void, target: string): void {
  let fd: number;
  try {
    fd = openSync(from, 'r');
  } catch (error) {
    throw new OutputError(target, error);
  }
  const buffer = Buffer.allocUnsafe(64 * 1024);
  try {
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) write(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}
