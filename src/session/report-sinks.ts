import { describeCause, OutputError } from '../report/output-file.js';
import { createReportSinks, type ReportRun, type ReportTargets } from '../report/report-writer.js';
import type { HtmlReportOptions } from '../report/html-sink.js';
import type { RunSink } from '../report/sink.js';
import type { StepLocator } from '../report/step-locator.js';
import { UsageError } from './exit-codes.js';

/**
 * The `--report` sinks of a run, opened before anything runs: a file that cannot be opened is a
 * usage error naming the flag (exit 2), since nothing was run yet.
 */
export function openReportSinks(
  reports: ReportTargets,
  run: ReportRun,
  locate?: StepLocator,
  html?: HtmlReportOptions,
): RunSink[] {
  try {
    return createReportSinks(reports, run, locate, html);
  } catch (error) {
    const target = error instanceof OutputError ? error.target : '';
    const kind = Object.entries(reports).find(([, file]) => file === target)?.[0] ?? 'json';
    throw new UsageError(
      `--report ${kind}=${target}: cannot write there (${errorCode((error as Error).cause)}); nothing was run`,
      { cause: error },
    );
  }
}

export function errorCode(cause: unknown): string {
  return (cause as NodeJS.ErrnoException | undefined)?.code ?? describeCause(cause);
}
