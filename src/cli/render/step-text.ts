import type { StepResult } from '../../engine/index.js';

/** Human wording shared by every renderer, so the TTY tree, plain lines and summaries agree. */
export function describeStepResult(r: StepResult): string {
  const timing = `${formatMs(r.latency_ms)}`;
  const status = r.http_status !== null ? `${r.http_status}, ` : '';
  switch (r.status) {
    case 'success':
      return r.attempts > 1
        ? `passed after ${r.attempts} attempts (${status}${timing})`
        : `passed (${status}${timing})`;
    case 'fallback':
      return `failed, fallback ${r.fallback?.kind === 'output' ? 'output' : (r.fallback?.action_id ?? '')} used (${timing}): ${r.error?.message ?? ''}`;
    case 'failed': {
      const fallback = r.fallback?.error
        ? `; fallback ${r.fallback.action_id ?? 'output'} failed too: ${r.fallback.error.message}`
        : '';
      return `failed after ${r.attempts} attempt${r.attempts === 1 ? '' : 's'} (${timing}): ${r.error?.message ?? ''}${r.error?.hint ? ` — hint: ${r.error.hint}` : ''}${fallback}`;
    }
    case 'skipped':
      return 'skipped';
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
