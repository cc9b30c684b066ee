import {
  callOfRef,
  type ChainResult,
  type ParentRef,
  type RunEvent,
  type StepRef,
  type StepResult,
} from '../../engine/index.js';
import { locateNothing, type StepLocator } from '../../report/step-locator.js';
import type { RunSink } from '../../report/sink.js';
import type { TextStyle } from '../../report/text-style.js';
import { answerLines } from './answer-text.js';
import { formatRecap } from './recap.js';
import { describeStepResult, formatWait, runSummaryLine, summaryLine } from './step-text.js';

export interface PlainLinesOptions {
  write(line: string): void;
  style: TextStyle;
  /** Several chains interleave their lines, so each step line then names its chain. */
  manyChains: boolean;
  /** End with the run's line (`3 chains: 3 completed; …`). Default true; watch runs one chain at a time. */
  runSummary?: boolean;
  /** Places failed steps in the recap before the run's line; without it the recap names files only. */
  locate?: StepLocator;
  /** Print each step's answer under its line (`--show-responses`): the session keeps them for people. */
  showResponses?: boolean;
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
  const block = (title: string, value: unknown) =>
    write(`${[`${indent}  ${style.dim(title)}`, ...answerLines(value).map((l) => `${indent}    ${l}`)].join('\n')}\n`);
  const results: ChainResult[] = [];
  return {
    name: 'progress',
    audience: 'human',
    // After the chain's line: what it answered, for `steps.x.output.field` and for people (issue 16).
    result(result) {
      results.push(result);
      indent = '';
      if (hasOutputs(result.outputs))
        block(options.manyChains ? `${result.chain_id} outputs:` : 'outputs:', result.outputs);
    },
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
          line(stepIcon(event.result, style), stepName(event), describeStepResult(event.result));
          if (options.showResponses && answered(event.result)) block('answer:', event.result.response_data);
          return undefined;
        case 'chain_end':
          return line(
            event.final_status === 'completed' ? style.green('✔') : style.red('✖'),
            chainName(event),
            summaryLine(event, style),
          );
        case 'run_end':
          if (options.runSummary === false) return undefined;
          write(formatRecap(results, options.locate ?? locateNothing, style));
          return write(`${runSummaryLine(event, style)}\n`);
        default:
          return undefined;
      }
    },
  };
}

/** A chain's `outputs:` worth printing: declared and not empty. */
export function hasOutputs(outputs: unknown): boolean {
  return (
    outputs !== null && outputs !== undefined && !(typeof outputs === 'object' && Object.keys(outputs).length === 0)
  );
}

/** A step that got an answer to show: it ran (or its fallback did) and something came back. */
export function answered(result: StepResult): boolean {
  return (
    result.status !== 'skipped' &&
    result.status !== 'cancelled' &&
    result.response_data !== null &&
    result.response_data !== undefined
  );
}

/** ✔ passed, ⚠ saved by its fallback, ✖ failed or cut off while running, ↓ never ran. */
export function stepIcon(result: StepResult, style: TextStyle): string {
  if (result.status === 'success') return style.green('✔');
  if (result.status === 'fallback') return style.yellow('⚠');
  if (result.status === 'skipped' || (result.status === 'cancelled' && result.started_at === null))
    return style.dim('↓');
  return style.red('✖');
}
