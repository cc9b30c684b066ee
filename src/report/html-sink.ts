import type { ChainResult, StepCounts } from '../engine/index.js';
import { formatHtmlReport } from './html-report.js';
import { drawChain, type DrawnChain } from './html-rows.js';
import { createTimelineCollector } from './html-timeline.js';
import { openAtomicFile } from './output-file.js';
import type { ReportRun } from './report-writer.js';
import type { RunCommit, RunSink } from './sink.js';

export interface HtmlReportOptions {
  /** Show each step's redacted answer (`--audit-payloads`). Default false: answers stay out. */
  payloads?: boolean;
  /** The chains of the run, for the summary; default the chains that reported a result. */
  chains?: number;
}

/**
 * `--report html=FILE`: a `data` sink (exact, redacted text, escaped for HTML by the writer).
 * The time axis is known only at the end, so the page is written whole at `commit`, through a
 * temporary file like the other reports; until then each chain is held drawn, its events let go.
 */
export function createHtmlReportSink(target: string, run: ReportRun, options: HtmlReportOptions = {}): RunSink {
  const file = openAtomicFile(target);
  const timeline = createTimelineCollector(Date.parse(run.started_at));
  const drawn: { index: number; chain: DrawnChain }[] = [];
  const counts: StepCounts = { success: 0, failed: 0, fallback: 0, skipped: 0, cancelled: 0 };
  const totals = { completed: 0, ended: 0, steps: 0, executed: 0 };
  const payloads = options.payloads ?? false;
  return {
    name: target,
    audience: 'data',
    event: (event) => timeline.add(event),
    result(result: ChainResult, index: number) {
      totals.ended += 1;
      if (result.final_status === 'completed') totals.completed += 1;
      totals.steps += result.aggregated_responses.length;
      totals.executed += result.steps_executed;
      for (const key of Object.keys(counts) as (keyof StepCounts)[]) counts[key] += result.counts[key];
      drawn.push({ index, chain: drawChain(result, timeline, { payloads }) });
    },
    commit(end: RunCommit) {
      const html = formatHtmlReport(
        {
          ...run,
          ...end,
          chains: {
            total: Math.max(options.chains ?? 0, totals.ended),
            completed: totals.completed,
            terminated_early: totals.ended - totals.completed,
          },
          steps: totals.steps,
          steps_executed: totals.executed,
          counts,
        },
        drawn.sort((a, b) => a.index - b.index).map((d) => d.chain),
      );
      file.write(html);
      file.commit();
    },
    abandon: () => file.abandon(),
  };
}
