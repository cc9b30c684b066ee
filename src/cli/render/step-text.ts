import { NOT_RUN_BECAUSE, type ChainEndEvent, type RunEndEvent, type StepResult } from '../../engine/index.js';
import type { TextStyle } from '../../report/text-style.js';

/** Human wording shared by every renderer, so the TTY tree, plain lines and summaries agree. */
export function describeStepResult(r: StepResult): string {
  const timing = `${formatMs(r.latency_ms)}`;
  const status = r.http_status !== null ? `${r.http_status}, ` : '';
  // A chain step's `attempts` count its child's requests, not tries of its own (SPEC 3.3).
  const ownTries = r.uses === undefined;
  switch (r.status) {
    case 'success':
      return ownTries && r.attempts > 1
        ? `passed after ${r.attempts} attempts (${status}${timing})`
        : `passed (${status}${timing})`;
    case 'fallback':
      return `failed, fallback ${r.fallback?.kind === 'output' ? 'output' : (r.fallback?.action_id ?? '')} used (${timing}): ${r.error?.message ?? ''}`;
    case 'failed': {
      const fallback = r.fallback?.error
        ? `; fallback ${r.fallback.action_id ?? 'output'} failed too: ${r.fallback.error.message}`
        : '';
      const tried =
        r.attempts === 0
          ? 'failed before anything was sent'
          : !ownTries
            ? 'failed'
            : `failed after ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}`;
      return `${tried} (${timing}): ${r.error?.message ?? ''}${r.error?.hint ? ` — hint: ${r.error.hint}` : ''}${fallback}`;
    }
    case 'skipped':
      return r.skip_reason === 'condition'
        ? `skipped: condition ${r.condition ?? ''} is false`
        : `skipped${r.skip_reason ? `: ${NOT_RUN_BECAUSE[r.skip_reason]}` : ''}`;
    case 'cancelled':
      return 'cancelled';
  }
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

export function formatWait(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A chain's outcome in one line: `completed: 3 passed in 58 ms (completion rate 100%)`, the rate labelled (issue 16). */
export function summaryLine(
  e: Pick<
    ChainEndEvent,
    'final_status' | 'termination_reason' | 'counts' | 'total_latency_ms' | 'completion_rate_percent'
  >,
  style: TextStyle,
): string {
  const status =
    e.final_status === 'completed'
      ? style.green('completed')
      : style.red(`terminated early (${e.termination_reason ?? ''})`);
  const c = e.counts;
  const parts = [
    `${c.success} passed`,
    c.fallback ? `${c.fallback} fallback` : '',
    c.failed ? `${c.failed} failed` : '',
    c.skipped ? `${c.skipped} skipped` : '',
    c.cancelled ? `${c.cancelled} cancelled` : '',
  ].filter(Boolean);
  return `${status}: ${parts.join(', ')} in ${formatMs(e.total_latency_ms)} (completion rate ${e.completion_rate_percent}%)`;
}

/** The run's last line: `3 chains: 3 completed; 9 steps run in 66 ms`. */
export function runSummaryLine(end: RunEndEvent, style: TextStyle): string {
  const { total, completed, terminated_early: early } = end.chains;
  const steps = end.steps_executed;
  const notStarted = total - completed - early;
  const outcome = [
    style.green(`${completed} completed`),
    early ? style.red(`${early} terminated early`) : '',
    notStarted ? style.yellow(`${notStarted} not started`) : '',
  ].filter(Boolean);
  return `${total} chain${total === 1 ? '' : 's'}: ${outcome.join(', ')}; ${steps} step${steps === 1 ? '' : 's'} run in ${formatMs(end.duration_ms)}`;
}
