import type { ChainResult, ParentRef, StepErrorData, StepResult } from '../engine/index.js';
import { escapeHtml } from './html-escape.js';
import { chainKey, ms, stepKey, type Segment, type Span, type TimelineCollector } from './html-timeline.js';

/** One row of the timeline: a chain, or one of its steps (a child's steps nested under their chain step). */
export interface TimelineRow {
  kind: 'chain' | 'step';
  depth: number;
  /** Plain text; escaped when written. */
  label: string;
  /** What the step calls, or the chain's file. */
  note: string;
  status: StepResult['status'] | ChainResult['final_status'];
  span: Span;
  segments: Segment[];
}

/** A chain's part of the report, drawn when its result arrives so its events can be let go. */
export interface DrawnChain {
  rows: TimelineRow[];
  /** The chain's step details, escaped HTML. */
  details: string;
}

export interface DrawOptions {
  /** Show answers (`--audit-payloads`); otherwise they stay out of the file. */
  payloads: boolean;
}

/** Answers are cut here: a report is for reading, the JSON report holds them whole. */
export const ANSWER_LIMIT_CHARS = 4096;

export function drawChain(result: ChainResult, timeline: TimelineCollector, options: DrawOptions): DrawnChain {
  const rows: TimelineRow[] = [];
  const details = drawSteps(result, [], 0, rows, timeline, options);
  return { rows, details };
}

function drawSteps(
  result: ChainResult,
  parent: ParentRef[],
  depth: number,
  rows: TimelineRow[],
  timeline: TimelineCollector,
  options: DrawOptions,
): string {
  const key = chainKey(parent, result.chain_id);
  const span = timeline.takeChain(key) ?? {};
  // A child chain is drawn by its chain step's row; only a run's own chains get a row of their own.
  if (depth === 0)
    rows.push({
      kind: 'chain',
      depth,
      label: result.chain_id,
      note: result.file,
      status: result.final_status,
      span,
      segments: [],
    });
  const parts = result.aggregated_responses.map((step) => {
    const timing = timeline.takeStep(stepKey(key, step.step_index));
    rows.push({
      kind: 'step',
      depth: depth + 1,
      label: step.step_id,
      note: step.uses ?? step.action_id ?? '',
      status: step.status,
      span: {
        ...(timing?.start !== undefined ? { start: timing.start } : {}),
        ...(timing?.end !== undefined ? { end: timing.end } : {}),
      },
      segments: timing?.segments ?? [],
    });
    const child = step.child
      ? drawSteps(
          step.child,
          [...parent, { chain_id: result.chain_id, file: result.file, step_id: step.step_id }],
          depth + 1,
          rows,
          timeline,
          options,
        )
      : '';
    return stepDetails(step, child, options);
  });
  const outputsError = result.outputs_error ? `<p class="err">outputs: ${escapeHtml(result.outputs_error)}</p>` : '';
  return `<div class="steps">${parts.join('')}${outputsError}</div>`;
}

/** A failed step's detail is open: the error is what a reader came for. */
function stepDetails(step: StepResult, child: string, options: DrawOptions): string {
  const facts: [string, string][] = [
    ['status', step.status + (step.skip_reason ? ` (${step.skip_reason})` : '')],
    ['calls', step.uses ?? step.action_id ?? ''],
    ['HTTP status', step.http_status === null ? '—' : String(step.http_status)],
    ['attempts', String(step.attempts)],
    ...(step.token_attempts ? [['token attempts', String(step.token_attempts)] as [string, string]] : []),
    ['latency', ms(step.latency_ms)],
    ['started at', step.started_at ?? '—'],
    ...(step.condition !== undefined ? [['if', step.condition] as [string, string]] : []),
    ...errorFacts('error', step.error),
  ];
  if (step.fallback) {
    const f = step.fallback;
    facts.push([
      'fallback',
      `${f.kind} ${f.action_id ?? ''} → ${f.status}, ${f.attempts} attempt(s), ${ms(f.latency_ms)}`,
    ]);
    facts.push(...errorFacts('fallback error', f.error));
  }
  const list = facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('');
  const headline = [
    step.status,
    step.http_status === null ? '' : `HTTP ${step.http_status}`,
    step.attempts > 1 ? `${step.attempts} attempts` : '',
    step.attempts > 0 ? ms(step.latency_ms) : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return (
    `<details class="step ${step.status}"${step.status === 'failed' ? ' open' : ''}><summary><b>${escapeHtml(step.step_id)}</b> <span class="st">${escapeHtml(headline)}</span></summary>` +
    `<dl>${list}</dl>${answerOf(step, options)}${child}</details>`
  );
}

function errorFacts(label: string, error: StepErrorData | null): [string, string][] {
  if (!error) return [];
  return [
    [`${label}`, `${error.kind}: ${error.message}`],
    ...(error.server_message !== null ? [['server message', error.server_message] as [string, string]] : []),
    ...(error.code !== null ? [['code', error.code] as [string, string]] : []),
    ...(error.context_id !== null ? [['context id', error.context_id] as [string, string]] : []),
    ...(error.hint !== null ? [['hint', error.hint] as [string, string]] : []),
  ];
}

/** The step's redacted answer, only with `--audit-payloads`; a chain step's answer is its child's outputs. */
function answerOf(step: StepResult, options: DrawOptions): string {
  if (!options.payloads || step.response_data === null || step.response_data === undefined) return '';
  const text = JSON.stringify(step.response_data, null, 2) ?? String(step.response_data);
  const cut = text.length > ANSWER_LIMIT_CHARS;
  const note = cut
    ? `<p class="note">answer cut at ${ANSWER_LIMIT_CHARS} of ${text.length} characters; the JSON report holds it whole</p>`
    : '';
  return `<p class="k">answer</p><pre>${escapeHtml(cut ? cutText(text, ANSWER_LIMIT_CHARS) : text)}</pre>${note}`;
}

/** The first `limit` UTF-16 units, never half of a surrogate pair (which would be written as U+FFFD). */
function cutText(text: string, limit: number): string {
  const last = text.charCodeAt(limit - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? limit - 1 : limit);
}
