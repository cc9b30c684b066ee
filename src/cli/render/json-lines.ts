import { randomUUID } from 'node:crypto';
import type { Diagnostic } from '../../chain/index.js';
import type { ChainResult, RunEndEvent } from '../../engine/index.js';
import { locateNothing, type StepLocator } from '../../report/step-locator.js';
import type { RunSink } from '../../report/sink.js';
import type { TextStyle } from '../../report/text-style.js';
import { formatRecap } from './recap.js';
import { runSummaryLine, summaryLine } from './step-text.js';

/** `--renderer json`: one event per line, exact data (redacted at the source). */
export function createJsonLinesSink(write: (line: string) => void): RunSink {
  return {
    name: 'stdout',
    audience: 'data',
    event: (event) => write(`${JSON.stringify(event)}\n`),
  };
}

/**
 * Beside JSON lines on stdout, a person still gets each chain's outcome, the recap of what failed
 * and the total on stderr. A child's outcome is its chain step's (SPEC 3.3), in the JSON lines, not
 * a chain of the run here.
 */
export function createSummaryLinesSink(
  write: (line: string) => void,
  style: TextStyle,
  locate: StepLocator = locateNothing,
): RunSink {
  const results: ChainResult[] = [];
  return {
    name: 'stderr',
    audience: 'human',
    result: (result) => void results.push(result),
    event(event) {
      if (event.type === 'chain_end' && !event.parent) write(`${event.chain_id}: ${summaryLine(event, style)}\n`);
      if (event.type === 'run_end') write(`${formatRecap(results, locate, style)}${runSummaryLine(event, style)}\n`);
    },
  };
}

/**
 * `--renderer json` when nothing can run because chains are invalid: each problem as a
 * `diagnostic` line, then the `run_end` every stream ends with, so a machine reading stdout sees
 * why, in the same shape as `validate --format json`'s diagnostics.
 */
export function formatInvalidRunLines(problems: readonly Diagnostic[], exitCode: number): string {
  const ts = new Date().toISOString();
  const lines = problems.map((d) => ({ type: 'diagnostic', ts, severity: d.severity ?? 'error', ...d }));
  const end: RunEndEvent = {
    type: 'run_end',
    ts,
    run_id: randomUUID(),
    chains: { total: 0, completed: 0, terminated_early: 0 },
    counts: { success: 0, failed: 0, fallback: 0, skipped: 0, cancelled: 0 },
    steps_executed: 0,
    duration_ms: 0,
    exit_code: exitCode,
    error: 'nothing was run: the chains are invalid',
  };
  return [...lines, end].map((line) => `${JSON.stringify(line)}\n`).join('');
}
