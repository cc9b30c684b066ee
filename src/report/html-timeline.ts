import type { ParentRef, RunEvent } from '../engine/index.js';

/** What a bar of the timeline stands for (`--report html`). */
export type SegmentKind = 'attempt' | 'retry_wait' | 'before_send';
/** The colour of a bar: a step's status, or an attempt's own outcome. */
export type BarOutcome = 'success' | 'failed' | 'fallback' | 'skipped' | 'cancelled' | 'wait';

/** One bar, in milliseconds from the run's start. */
export interface Segment {
  kind: SegmentKind;
  start: number;
  end: number;
  outcome: BarOutcome;
  /** What a tooltip says of it (plain text; escaped when written). */
  title: string;
}

export interface Span {
  start?: number;
  end?: number;
}

export interface StepTiming extends Span {
  segments: Segment[];
}

/**
 * A gap this short between a step being ready and its request is the clock's resolution (events
 * carry milliseconds) and the engine's own work, not a wait worth a bar.
 */
export const BEFORE_SEND_VISIBLE_MS = 5;

/** Where a chain runs in a run: the chain steps above it, then its id (unique in a run, SPEC 3.1). */
export function chainKey(parent: readonly Pick<ParentRef, 'chain_id' | 'step_id'>[] | undefined, chainId: string) {
  return JSON.stringify([...(parent ?? []).map((p) => [p.chain_id, p.step_id]), chainId]);
}

export function stepKey(chain: string, stepIndex: number): string {
  return `${chain}#${stepIndex}`;
}

/**
 * Events → bars, as a reducer over the run's events. No event says how long a request waited
 * for a token, a `--rate-limit` slot or a cool-down, so that wait is measured: from the step's
 * start (or the end of its retry wait) to its `request` event, which is written just before the
 * request leaves (SPEC 5: time before sending is not an attempt).
 */
export function createTimelineCollector(origin: number) {
  const steps = new Map<string, StepTiming & { ready?: number }>();
  const chains = new Map<string, Span>();
  const at = (ts: string) => Date.parse(ts) - origin;
  const stepOf = (key: string) => {
    let step = steps.get(key);
    if (!step) steps.set(key, (step = { segments: [] }));
    return step;
  };
  return {
    add(event: RunEvent): void {
      if (event.type === 'run_end') return;
      const chain = chainKey(event.parent, event.chain_id);
      const t = at(event.ts);
      switch (event.type) {
        case 'chain_start':
          chains.set(chain, { start: t });
          return;
        case 'chain_end':
          chains.set(chain, { ...chains.get(chain), end: t });
          return;
        case 'step_start': {
          const step = stepOf(stepKey(chain, event.step_index));
          step.start ??= t;
          step.ready = t;
          return;
        }
        case 'request': {
          const step = stepOf(stepKey(chain, event.step_index));
          const ready = step.ready ?? t;
          if (t - ready >= BEFORE_SEND_VISIBLE_MS)
            step.segments.push({
              kind: 'before_send',
              start: ready,
              end: t,
              outcome: 'wait',
              title: `attempt ${event.attempt}: ${ms(t - ready)} before sending (token, rate-limit slot or cool-down)`,
            });
          step.ready = t;
          return;
        }
        case 'attempt': {
          const kind = event.error?.kind;
          const outcome: BarOutcome =
            kind === 'cancelled' ? 'cancelled' : kind ? 'failed' : event.fallback ? 'fallback' : 'success';
          const status = event.http_status === null ? (kind ?? 'no answer') : `HTTP ${event.http_status}`;
          stepOf(stepKey(chain, event.step_index)).segments.push({
            kind: 'attempt',
            start: t - event.latency_ms,
            end: t,
            outcome,
            title: `${event.fallback ? 'fallback ' : ''}attempt ${event.attempt}: ${status}, ${ms(event.latency_ms)}`,
          });
          return;
        }
        case 'retry': {
          const step = stepOf(stepKey(chain, event.step_index));
          step.segments.push({
            kind: 'retry_wait',
            start: t,
            end: t + event.wait_ms,
            outcome: 'wait',
            title: `retry wait ${ms(event.wait_ms)} (${event.wait_source === 'retry-after' ? 'Retry-After' : 'backoff'}) after ${event.reason.message}`,
          });
          step.ready = t + event.wait_ms;
          return;
        }
        case 'step_end': {
          const step = stepOf(stepKey(chain, event.step_index));
          step.end = t;
          step.start ??= t;
          return;
        }
      }
    },
    /** A step's bars, handed over once: a chain's steps are let go when its result is drawn. */
    takeStep(key: string): StepTiming | undefined {
      const step = steps.get(key);
      steps.delete(key);
      return step;
    },
    takeChain(key: string): Span | undefined {
      const chain = chains.get(key);
      chains.delete(key);
      return chain;
    },
  };
}

export type TimelineCollector = ReturnType<typeof createTimelineCollector>;

export function ms(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(n >= 10_000 ? 1 : 2)} s` : `${Math.round(n)} ms`;
}
