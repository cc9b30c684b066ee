import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import type { ChainResult } from '../engine/index.js';
import { addTotals, emptyTotals, JUNIT_FOOTER, junitHeader, junitSuite, type JunitTotals } from './junit.js';
import type { Redactor } from './redact.js';

export interface ReportTargets {
  json?: string;
  junit?: string;
}

export interface ReportWriter {
  /** A finished chain, with its index in the input; written as soon as every earlier one is. */
  add(result: ChainResult, index: number): void;
  /** Ends the files. Results never handed in are simply absent. */
  close(): void;
}

/**
 * `--report json=` and `--report junit=`, written as chains finish rather than held to the end,
 * so a run of thousands of chains holds only the few that finished out of order (issue 7). Files
 * list chains in input order whatever the completion order; results are redacted as data first.
 */
export function createReportWriter(targets: ReportTargets, redactor: Redactor): ReportWriter {
  const json = targets.json !== undefined ? openSync(targets.json, 'w') : undefined;
  // JUnit's root element carries the totals, so the suites wait in a side file until the end.
  const junitPart = targets.junit !== undefined ? `${targets.junit}.${process.pid}.part` : undefined;
  const part = junitPart !== undefined ? openSync(junitPart, 'w') : undefined;
  let totals: JunitTotals = emptyTotals();
  let written = 0;
  let next = 0;
  const waiting = new Map<number, ChainResult>();

  if (json !== undefined) writeSync(json, '{\n  "results": [');
  const write = (result: ChainResult) => {
    const safe = redactor.value(result);
    if (json !== undefined) writeSync(json, `${written ? ',' : ''}\n${indent(JSON.stringify(safe, null, 2), '    ')}`);
    if (part !== undefined) {
      const suite = junitSuite(safe);
      totals = addTotals(totals, suite);
      writeSync(part, suite.xml);
    }
    written += 1;
  };

  return {
    add(result, index) {
      waiting.set(index, result);
      for (let r = waiting.get(next); r !== undefined; r = waiting.get(next)) {
        waiting.delete(next);
        next += 1;
        write(r);
      }
    },
    close() {
      // Chains that ended out of order after an interruption still belong in the files.
      for (const index of [...waiting.keys()].sort((a, b) => a - b)) write(waiting.get(index) as ChainResult);
      waiting.clear();
      if (json !== undefined) {
        writeSync(json, written ? '\n  ]\n}\n' : ']\n}\n');
        closeSync(json);
      }
      if (part !== undefined && junitPart !== undefined && targets.junit !== undefined) {
        closeSync(part);
        const out = openSync(targets.junit, 'w');
        writeSync(out, junitHeader(totals));
        copyInto(junitPart, out);
        writeSync(out, JUNIT_FOOTER);
        closeSync(out);
        rmSync(junitPart, { force: true });
      }
    },
  };
}

function indent(text: string, pad: string): string {
  return pad + text.replace(/\n/g, `\n${pad}`);
}

function copyInto(from: string, to: number): void {
  const fd = openSync(from, 'r');
  const buffer = Buffer.allocUnsafe(64 * 1024);
  try {
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) writeSync(to, buffer, 0, n);
  } finally {
    closeSync(fd);
  }
}
