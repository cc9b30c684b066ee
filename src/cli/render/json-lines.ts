import type { RunSink } from '../../report/sink.js';
import type { TextStyle } from '../../report/text-style.js';
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
 * Beside JSON lines on stdout, a person still gets each chain's outcome and the total on stderr. A
 * child's outcome is its chain step's (SPEC 3.3), in the JSON lines, not a chain of the run here.
 */
export function createSummaryLinesSink(write: (line: string) => void, style: TextStyle): RunSink {
  return {
    name: 'stderr',
    audience: 'human',
    event(event) {
      if (event.type === 'chain_end' && !event.parent) write(`${event.chain_id}: ${summaryLine(event, style)}\n`);
      if (event.type === 'run_end') write(`${runSummaryLine(event, style)}\n`);
    },
  };
}
