import type { ChainModel } from '../../chain/index.js';
import {
  notRunResult,
  refOf,
  type ChainEndSummary,
  type ParentRef,
  type RunEvent,
  type StepRef,
  type StepResult,
} from '../../engine/index.js';
import { formatWait } from './step-text.js';

/**
 * What the live tree shows, as plain data: a pure reducer turns the run's events into it, and the
 * listr2 renderer only draws it. A chain step holds its child's view, so a child used twice, or by
 * two parents at once, has one view per place it runs in (SPEC 3.3), never one per file.
 */
export interface ProgressView {
  readonly chains: readonly ChainView[];
  /** The top-level chains by file: where an event's outermost chain is found. */
  readonly index: ReadonlyMap<string, number>;
  /** The run is over: a chain that never started will not start now. */
  readonly settled: boolean;
}

export interface ChainView {
  readonly chainId: string;
  readonly file: string;
  /** Its `chain_start` (or its end) has been seen. */
  readonly started: boolean;
  /** Its `chain_end`: the summary the chain's title shows. */
  readonly end?: ChainEndSummary;
  /** Its result has come (after `chain_end`), with the chain's `outputs` (null when it declares none). */
  readonly outputs?: { readonly value: unknown };
  readonly steps: readonly StepView[];
}

export interface StepView {
  readonly ref: StepRef;
  readonly started: boolean;
  /** What the running step is doing, when there is more to say than that it runs: `attempt 2`, `running fallback`. */
  readonly activity?: string;
  /** Its `step_end`. */
  readonly result?: StepResult;
  /** The limit of one attempt, ms (`timeout_seconds`), of the step and of its action fallback. */
  readonly limitMs?: number;
  readonly fallbackLimitMs?: number;
  /** An attempt on the wire: since when (epoch ms, from its `request` event) and its limit. */
  readonly inFlight?: { readonly since: number; readonly limitMs?: number };
  /** A chain step's child, as it runs in this place. */
  readonly child?: ChainView;
}

/** Where a chain of the tree is: its top-level chain, then the index of each chain step down to it. */
export interface ChainPlace {
  readonly top: number;
  readonly path: readonly number[];
}

/** The view before anything ran: every chain, every step, every child under its chain step. */
export function createProgressView(chains: readonly ChainModel[]): ProgressView {
  return {
    chains: chains.map(chainView),
    index: new Map(chains.map((chain, i) => [chain.file, i])),
    settled: false,
  };
}

function chainView(chain: ChainModel): ChainView {
  return {
    chainId: chain.chainId,
    file: chain.file,
    started: false,
    steps: chain.steps.map((step) => ({
      ref: refOf(step),
      started: false,
      ...(step.kind === 'chain' ? { child: chainView(step.child) } : { limitMs: step.timeoutMs }),
      ...(step.fallback?.kind === 'action' ? { fallbackLimitMs: step.fallback.timeoutMs } : {}),
    })),
  };
}

/**
 * The chain an event belongs to: its outermost chain by file, then down its `parent` list by step
 * id (SPEC 3.3), each checked against the file that holds it. Undefined for a chain not shown.
 */
export function placeOf(
  view: ProgressView,
  event: { file: string; parent?: readonly ParentRef[] | undefined },
): ChainPlace | undefined {
  const parents = event.parent ?? [];
  const top = view.index.get(parents[0]?.file ?? event.file);
  let chain = top === undefined ? undefined : view.chains[top];
  if (top === undefined || !chain) return undefined;
  const path: number[] = [];
  for (const parent of parents) {
    const index: number =
      chain.file === parent.file ? chain.steps.findIndex((s) => s.ref.step_id === parent.step_id) : -1;
    const child: ChainView | undefined = chain.steps[index]?.child;
    if (!child) return undefined;
    path.push(index);
    chain = child;
  }
  return chain.file === event.file ? { top, path } : undefined;
}

/** The chain at a place (a top-level chain for an empty path). */
export function chainAt(view: ProgressView, place: ChainPlace): ChainView | undefined {
  let chain = view.chains[place.top];
  for (const index of place.path) chain = chain?.steps[index]?.child;
  return chain;
}

/** Step `index` of the chain at a place. */
export function stepAt(view: ProgressView, place: ChainPlace, index: number): StepView | undefined {
  return chainAt(view, place)?.steps[index];
}

/** The view after one more event. Pure: the views it does not touch are the same objects as before. */
export function reduceProgress(view: ProgressView, event: RunEvent): ProgressView {
  if (event.type === 'run_end') return view;
  const place = placeOf(view, event);
  if (!place) return view;
  switch (event.type) {
    case 'chain_start':
      return updateChain(view, place, (chain) => ({ ...chain, started: true }));
    case 'chain_end': {
      const { final_status, termination_reason, steps_executed, total_latency_ms, completion_rate_percent, counts } =
        event;
      const end = {
        final_status,
        termination_reason,
        steps_executed,
        total_latency_ms,
        completion_rate_percent,
        counts,
      };
      return updateChain(view, place, (chain) => ({ ...chain, started: true, end }));
    }
    case 'step_start':
      return updateStep(view, place, event.step_index, (step) =>
        withActivity({ ...step, started: true }, event.fallback ? 'running fallback' : undefined),
      );
    case 'request':
      // The request after a retry's wait is the end of the wait (SPEC 6: written before it leaves).
      return updateStep(view, place, event.step_index, (step) => {
        const limitMs = event.fallback ? step.fallbackLimitMs : step.limitMs;
        const inFlight = { since: Date.parse(event.ts), ...(limitMs === undefined ? {} : { limitMs }) };
        const sent = { ...step, inFlight };
        return event.attempt > 1
          ? withActivity(sent, `attempt ${event.attempt}${event.fallback ? ' of the fallback' : ''}`)
          : sent;
      });
    case 'attempt':
      return updateStep(view, place, event.step_index, landed);
    case 'retry': {
      const source = event.wait_source === 'retry-after' ? 'Retry-After' : 'backoff';
      const activity = `attempt ${event.attempt} failed (${event.reason.http_status ?? event.reason.kind}); waiting ${formatWait(event.wait_ms)} (${source})`;
      return updateStep(view, place, event.step_index, (step) => withActivity(landed(step), activity));
    }
    case 'step_end':
      return updateStep(view, place, event.step_index, (step) =>
        withActivity({ ...landed(step), result: event.result }),
      );
    default:
      return view;
  }
}

/**
 * The run is over: every step that never ended (its chain never started, or was cut off) is
 * `cancelled` before it started, so nothing is left waiting.
 */
export function settleProgress(view: ProgressView): ProgressView {
  const settleChain = (chain: ChainView): ChainView => ({
    ...chain,
    steps: chain.steps.map((step) => ({
      ...step,
      ...(step.result ? {} : { result: notRunResult(step.ref, 'cancelled') }),
      ...(step.child ? { child: settleChain(step.child) } : {}),
    })),
  });
  return { ...view, chains: view.chains.map(settleChain), settled: true };
}

/** The attempt in flight has its answer (or its error): no clock to show. */
function landed(step: StepView): StepView {
  if (!step.inFlight) return step;
  const { inFlight: _attempt, ...rest } = step;
  return rest;
}

function withActivity(step: StepView, activity?: string): StepView {
  const { activity: _before, ...rest } = step;
  return activity === undefined ? rest : { ...rest, activity };
}

function updateChain(view: ProgressView, place: ChainPlace, update: (chain: ChainView) => ChainView): ProgressView {
  const at = (chain: ChainView, depth: number): ChainView => {
    const index = place.path[depth];
    if (index === undefined) return update(chain);
    return {
      ...chain,
      steps: chain.steps.map((step, i) =>
        i === index && step.child ? { ...step, child: at(step.child, depth + 1) } : step,
      ),
    };
  };
  return { ...view, chains: view.chains.map((chain, i) => (i === place.top ? at(chain, 0) : chain)) };
}

function updateStep(
  view: ProgressView,
  place: ChainPlace,
  index: number,
  update: (step: StepView) => StepView,
): ProgressView {
  return updateChain(view, place, (chain) =>
    index in chain.steps ? { ...chain, steps: chain.steps.map((s, i) => (i === index ? update(s) : s)) } : chain,
  );
}
