import { randomUUID } from 'node:crypto';
import { OutputError } from '../report/output-file.js';
import type { ReportTargets } from '../report/report-writer.js';
import type { RunProblem } from './run-session.js';
import { openReportSinks } from './report-sinks.js';

export interface NoRunReportOptions {
  /** Who wrote the reports (the JSON report's `tool`). */
  tool: { name: string; version: string };
  /** The exit code the command ends with: 0 for nothing to run, 2 for invalid chains. */
  exitCode: number;
  /** The clock of `started_at` and `finished_at`. Default the system's. */
  now?: () => Date;
}

/**
 * The `--report` files of a run that runs nothing: a shard that selects no chain, only `call_only`
 * chains, or invalid chains (exit 2). Report actions in CI fail a job whose report file is missing
 * (`fail-on-empty`), so each file is written anyway, atomically as always: the JSON envelope with
 * `results: []` and the exit code, JUnit with no suites. A file that cannot be opened is a usage
 * error (as for a run); one that cannot be completed is the problem returned (exit 74).
 */
export function writeReportsOfNoRun(reports: ReportTargets, options: NoRunReportOptions): RunProblem | undefined {
  const now = options.now ?? (() => new Date());
  const sinks = openReportSinks(reports, { tool: options.tool, run_id: randomUUID(), started_at: now().toISOString() });
  const end = { finished_at: now().toISOString(), exit_code: options.exitCode };
  let problem: RunProblem | undefined;
  // As in a run, a file that fails does not keep the others from being written.
  for (const sink of sinks) {
    try {
      sink.commit?.(end);
    } catch (error) {
      sink.abandon?.();
      problem ??=
        error instanceof OutputError
          ? { kind: 'output', message: error.message, error }
          : { kind: 'internal', message: `internal error: ${String(error)}`, error };
    }
  }
  return problem;
}
