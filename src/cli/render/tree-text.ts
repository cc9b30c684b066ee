import { callOfRef, type StepRef } from '../../engine/index.js';
import { neutralize } from '../../report/neutralize.js';
import type { TextStyle } from '../../report/text-style.js';
import { stepIcon } from './plain-lines.js';
import type { ChainView, StepView } from './progress-view.js';
import { describeStepResult, formatWait } from './step-text.js';

/**
 * The live tree's words, from the progress view: pure, so what a terminal shows is tested without
 * one. Names from the chain files are neutralised here; results arrive neutralised.
 */

/** `crm (./lib/crm-sync.yaml)`, `profile (da-fetch-customer-profile)`, or the id alone when it is what the step calls. */
export function stepTitle(ref: StepRef, style: TextStyle): string {
  const call = callOfRef(ref);
  return `${neutralize(ref.step_id)}${ref.step_id !== call ? style.dim(` (${neutralize(call)})`) : ''}`;
}

export function chainTitle(chain: Pick<ChainView, 'chainId' | 'file'>, style: TextStyle): string {
  return `${neutralize(chain.chainId)} ${style.dim(neutralize(chain.file))}`;
}

/**
 * A step's title and what it is doing or came to: `update (da-update-external-crm) — passed (200,
 * 3.3 ms)`; while an attempt is on the wire, its clock against its limit: `lookup — 3.1 s / 5 s`.
 */
export function stepText(step: StepView, style: TextStyle, now = Date.now()): string {
  const clock =
    !step.result && step.inFlight
      ? `${formatWait(Math.max(0, now - step.inFlight.since))}${step.inFlight.limitMs === undefined ? '' : ` / ${formatLimit(step.inFlight.limitMs)}`}`
      : undefined;
  const said = step.result ? describeStepResult(step.result) : [step.activity, clock].filter(Boolean).join(', ');
  return `${stepTitle(step.ref, style)}${said ? ` ${style.dim('—')} ${said}` : ''}`;
}

/** `5 s`, `2.5 s`: a limit as written in the chain, in seconds. */
function formatLimit(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/**
 * The steps of a child as it runs under its chain step (SPEC 3.3), one line each with its state,
 * and a chain step's own child under it, two spaces deeper. Nothing until the child starts.
 */
export function childLines(chain: ChainView, style: TextStyle, depth = 0): string[] {
  if (!chain.started) return [];
  return chain.steps.flatMap((step) => [
    `${'  '.repeat(depth)}${stateIcon(step, style)} ${stepText(step, style)}`,
    ...(step.child ? childLines(step.child, style, depth + 1) : []),
  ]);
}

/** As listr2 draws its own tasks: ◼ waiting, ❯ running, then the icon of the outcome. */
function stateIcon(step: StepView, style: TextStyle): string {
  if (step.result) return stepIcon(step.result, style);
  return step.started ? style.yellow('❯') : style.dim('◼');
}
