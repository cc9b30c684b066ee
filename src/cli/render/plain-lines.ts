import { callOfRef, type ParentRef, type RunEvent, type StepRef, type StepResult } from '../../engine/index.js';
import type { RunSink } from '../../report/sink.js';
import type { TextStyle } from '../../report/text-style.js';
import { describeStepResult, formatWait, runSummaryLine, summaryLine } from './step-text.js';

export interface PlainLinesOptions {
  write(line: string): void;
  style: TextStyle;
  /** Several chains interleave their lines, so each step line then names its chain. */
  manyChains: boolean;
  /** End with the run's line (`3 chains: 3 completed; …`). Default true; watch runs one chain at a time. */
  runSummary?: boolean;
}

/**
 * Progress as plain lines, for logs and pipes (`--renderer simple`, or stdout not a terminal):
 * every line on one stream in one format, `<icon> <what> — <outcome>`, failures included.
 * Events arrive redacted and neutralised: no server text can start a line of its own.
 */
export function createPlainLinesSink(options: PlainLinesOptions): RunSink {
  const { style, write } = options;
  // With several chains their lines interleave, so each line names where it is: its top-level
  // chain, then the chain steps down to it (`onboarding › crm › update`), as indentation cannot.
  const placeOf = (e: { chain_id: string; parent?: readonly ParentRef[] | undefined }) =>
    options.manyChains
      ? [e.parent?.[0]?.chain_id ?? e.chain_id, ...(e.parent ?? []).map((p) => p.step_id)]
          .map((name) => `${name} › `)
          .join('')
      : '';
  const stepName = (e: StepRef & { chain_id: string; parent?: readonly ParentRef[] | undefined }) => {
    const call = callOfRef(e);
    return `${placeOf(e)}${e.step_id}${e.step_id !== call ? style.dim(` (${call})`) : ''}`;
  };
  // A child's own line names the child; the chain step it runs under is already in its place.
  const chainName = (e: { chain_id: string; file: string; parent?: readonly ParentRef[] | undefined }) =>
    `${e.parent ? placeOf(e) : ''}${e.chain_id} ${style.dim(e.file)}`;
  let indent = '';
  const line = (icon: string, what: string, outcome?: string) =>
    write(`${indent}${icon} ${what}${outcome ? ` ${style.dim('—')} ${outcome}` : ''}\n`);
  return {
    name: 'progress',
    audience: 'human',
    event(event: RunEvent) {
      // A child chain's lines sit under the chain step that runs it (SPEC 3.3).
      indent = event.type === 'run_end' ? '' : '  '.repeat(event.parent?.length ?? 0);
      switch (event.type) {
        case 'chain_start':
          return line('❯', chainName(event));
        case 'step_start':
          return line('❯', stepName(event), event.fallback ? 'running fallback' : undefined);
        case 'retry':
          return line(
            '↻',
            stepName(event),
            `attempt ${event.attempt} failed (${event.reason.http_status ?? event.reason.kind}); waiting ${formatWait(event.wait_ms)} (${event.wait_source === 'retry-after' ? 'Retry-After' : 'backoff'})`,
          );
        case 'step_end':
          return line(stepIcon(event.result, style), stepName(event), describeStepResult(event.result));
        case 'chain_end':
          return line(
            event.final_status === 'completed' ? style.green('✔') : style.red('✖'),
            chainName(event),
            summaryLine(event, style),
          );
        case 'run_end':
          return options.runSummary === false ? undefined : write(`${runSummaryLine(event, style)}\n`);
        default:
          return undefined;
      }
    },
  };
}

/** ✔ passed, ⚠ saved by its fallback, ✖ failed or cut off while running, ↓ never ran. */
export function stepIcon(result: StepResult, style: TextStyle): string {
  if (result.status === 'success') return style.green('✔');
  if (result.status === 'fallback') return style.yellow('⚠');
  if (result.status === 'skipped' || (result.status === 'cancelled' && result.started_at === null))
    return style.dim('↓');
  return style.red('✖');
}
