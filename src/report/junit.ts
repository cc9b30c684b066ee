import type { ChainResult, StepResult } from '../engine/index.js';

/** JUnit XML: a testsuite per chain, a testcase per step (CI systems render it natively). */
export function formatJunit(results: readonly ChainResult[]): string {
  const suites = results.map(suite).join('');
  const tests = results.reduce((n, r) => n + r.aggregated_responses.length, 0);
  const failures = results.reduce((n, r) => n + r.counts.failed + r.counts.cancelled, 0);
  const skipped = results.reduce((n, r) => n + r.counts.skipped, 0);
  const time = results.reduce((n, r) => n + r.total_latency_ms, 0) / 1000;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="cxchain" tests="${tests}" failures="${failures}" errors="0" skipped="${skipped}" time="${time.toFixed(3)}">\n${suites}</testsuites>\n`;
}

function suite(r: ChainResult): string {
  const cases = r.aggregated_responses.map((s) => testcase(r, s)).join('');
  const attrs = `name="${xml(r.chain_id)}" file="${xml(r.file)}" tests="${r.aggregated_responses.length}" failures="${r.counts.failed + r.counts.cancelled}" errors="0" skipped="${r.counts.skipped}" time="${(r.total_latency_ms / 1000).toFixed(3)}"`;
  const props = `    <properties>\n      <property name="run_id" value="${xml(r.run_id)}"/>\n      <property name="final_status" value="${r.final_status}"/>\n      <property name="termination_reason" value="${r.termination_reason ?? ''}"/>\n    </properties>\n`;
  return `  <testsuite ${attrs}>\n${props}${cases}  </testsuite>\n`;
}

function testcase(r: ChainResult, s: StepResult): string {
  const head = `    <testcase classname="${xml(r.chain_id)}" name="${xml(`${s.step_index + 1}. ${s.step_id} (${s.action_id})`)}" file="${xml(r.file)}" time="${(s.latency_ms / 1000).toFixed(3)}"`;
  if (s.status === 'skipped') return `${head}>\n      <skipped message="skipped: ${xml(r.termination_reason ?? 'not run')}"/>\n    </testcase>\n`;
  if ((s.status === 'failed' || s.status === 'cancelled') && s.error) {
    const e = s.error;
    const body = [`kind: ${e.kind}`, e.http_status !== null ? `http_status: ${e.http_status}` : '', `message: ${e.message}`, e.hint ? `hint: ${e.hint}` : '', e.context_id ? `context_id: ${e.context_id}` : '', `attempts: ${s.attempts}`].filter(Boolean).join('\n');
    return `${head}>\n      <failure message="${xml(e.message)}" type="${e.kind}">${xml(body)}</failure>\n    </testcase>\n`;
  }
  const note = s.status === 'fallback' ? `fallback used after: ${s.error?.message ?? ''}` : s.attempts > 1 ? `passed after ${s.attempts} attempts` : '';
  return note ? `${head}>\n      <system-out>${xml(note)}</system-out>\n    </testcase>\n` : `${head}/>\n`;
}

function xml(value: string): string {
  // Control characters are not allowed in XML 1.0 at all; drop them rather than emit an unreadable file.
  return value
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
