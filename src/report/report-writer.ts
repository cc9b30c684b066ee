import { closeSync, openSync, readSync, rmSync } from 'node:fs';
import type { ChainResult } from '../engine/index.js';
import {
  addTotals,
  createSuiteKeys,
  emptyTotals,
  JUNIT_FOOTER,
  junitHeader,
  junitSuite,
  type JunitTotals,
} from './junit.js';
import { createHtmlReportSink, type HtmlReportOptions } from './html-sink.js';
import { openAtomicFile, OutputError, tempPathOf, writeAll } from './output-file.js';
import type { RunCommit, RunSink } from './sink.js';
import { locateNothing, type StepLocator } from './step-locator.js';

export interface ReportTargets {
  json?: string;
  junit?: string;
  html?: string;
}

/** The JSON report's format version (SPEC 6); a change that breaks a reader raises it. */
export const REPORT_VERSION = 1;

/** What a report says of the run before its results (SPEC 6); schemas/report.schema.json. */
export interface ReportRun {
  tool: { name: string; version: string };
  run_id: string;
  started_at: string;
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

/**
 * `--report json=FILE`: `{ report_version, tool, run_id, started_at, results: [ … ], finished_at,
 * exit_code }` (SPEC 6), streamed into a temporary file and renamed when whole. What is known only
 * at the end comes after the results, so the results never wait in memory.
 */
export function createJsonReportSink(target: string, run: ReportRun): RunSink {
  const file = openAtomicFile(target);
  let written = 0;
  const order = inInputOrder((result) => {
    file.write(`${written ? ',' : ''}\n${indent(JSON.stringify(result, null, 2), '    ')}`);
    written += 1;
  });
  const head = { report_version: REPORT_VERSION, ...run };
  file.write(`${JSON.stringify(head, null, 2).slice(0, -2)},\n  "results": [`);
  return {
    name: target,
    audience: 'data',
    result: (result, index) => order.add(result, index),
    commit(end: RunCommit) {
      order.flush();
      const tail = JSON.stringify({ finished_at: end.finished_at, exit_code: end.exit_code }, null, 2).slice(1);
      file.write(`${written ? '\n  ]' : ']'},${tail}\n`);
      file.commit();
    },
    abandon: () => file.abandon(),
  };
}

/**
 * `--report junit=FILE`. The root element carries the totals, so the suites wait in a side file
 * until the end; the report is then written whole through a temporary file. `locate` gives each
 * test case the line of its step.
 */
export function createJunitReportSink(target: string, locate: StepLocator = locateNothing): RunSink {
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
  const keyOf = createSuiteKeys();
  const order = inInputOrder((result) => {
    const suite = junitSuite(result, { locate, key: keyOf(result.chain_id) });
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

/**
 * The report sinks of `--report` flags; a file that cannot be opened is an `OutputError` before
 * anything runs. `locate` places JUnit's test cases at their steps (the chains of the run); `html`
 * says whether the HTML report shows answers and how many chains the run has.
 */
export function createReportSinks(
  targets: ReportTargets,
  run: ReportRun,
  locate: StepLocator = locateNothing,
  html: HtmlReportOptions = {},
): RunSink[] {
  const sinks: RunSink[] = [];
  try {
    if (targets.json !== undefined) sinks.push(createJsonReportSink(targets.json, run));
    if (targets.junit !== undefined) sinks.push(createJunitReportSink(targets.junit, locate));
    if (targets.html !== undefined) sinks.push(createHtmlReportSink(targets.html, run, html));
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
