import { callOfRef, NOT_RUN_BECAUSE, type ChainResult } from '../../engine/index.js';
import { incidentFacts, incidentLines, incidentsOf } from '../../report/incidents.js';
import type { StepLocator } from '../../report/step-locator.js';
import type { TextStyle } from '../../report/text-style.js';

/**
 * The block at the end of a run with failures (issue 16): each failed step, and each saved by its
 * fallback, with its chain, file:line, kind, message and hint in the job summary's words, then the
 * steps each chain did not run because of them. Empty when nothing needs a look. Results arrive
 * neutralised.
 */
export function formatRecap(results: readonly ChainResult[], locate: StepLocator, style: TextStyle): string {
  const incidents = incidentsOf(results);
  if (incidents.length === 0) return '';
  const kind = incidents.some((i) => i.level === 'warning') ? 'Failures and fallbacks' : 'Failures';
  const out = ['', style.bold(`${kind} (${incidents.length}):`)];
  for (const { chain, step, level, name } of incidents) {
    const at = locate(chain.file, step.step_index);
    const place = at ? `${chain.file}:${at.line}` : chain.file;
    const icon = level === 'error' ? style.red('✖') : style.yellow('⚠');
    out.push(`  ${icon} ${name} ${style.dim(`(${callOfRef(step)})`)} at ${place}: ${incidentFacts(step)}`);
    for (const line of incidentLines(step)) out.push(`      ${line.startsWith('hint: ') ? style.cyan(line) : line}`);
  }
  const walk = (chain: ChainResult, above: string) => {
    const notRun = chain.aggregated_responses.filter((s) => s.status === 'skipped' && s.skip_reason !== 'condition');
    const reason = notRun[0]?.skip_reason;
    if (reason && reason !== 'condition')
      out.push(
        `  ${style.dim('↓')} ${above}: not run, ${NOT_RUN_BECAUSE[reason]}: ${notRun.map((s) => s.step_id).join(', ')}`,
      );
    for (const step of chain.aggregated_responses) if (step.child) walk(step.child, `${above} › ${step.step_id}`);
  };
  for (const result of results) walk(result, result.chain_id);
  return `${out.join('\n')}\n`;
}
