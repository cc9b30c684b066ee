import type { FailureKind } from '../cxone/types.js';
import type { ChainEndSummary, StepCounts, StepRef, StepResult } from './result.js';

/** Fields every event carries (SPEC 6). */
export interface EventBase {
  ts: string;
  run_id: string;
  chain_id: string;
  file: string;
  /** For the events of a child chain: the chain steps it runs under, outermost first (SPEC 3.3). */
  parent?: ParentRef[];
}

/** One chain step a child chain runs under. */
export interface ParentRef {
  chain_id: string;
  file: string;
  step_id: string;
}

export type { StepRef } from './result.js';

export interface ErrorSummary {
  kind: FailureKind;
  message: string;
  http_status?: number;
}

export interface ChainStartEvent extends EventBase {
  type: 'chain_start';
  revision: number | null;
  steps: number;
  global_timeout_ms: number;
}

export interface StepStartEvent extends EventBase, StepRef {
  type: 'step_start';
  /** True when this is the step's fallback action starting. */
  fallback: boolean;
  /** The resolved request body; left out of audit and JSON lines unless payloads are asked for. */
  payload?: unknown;
}

/**
 * Written before an execute request leaves (SPEC 6), so a run killed at any moment has recorded
 * every request the server may have received.
 */
export interface RequestEvent extends EventBase, StepRef {
  type: 'request';
  fallback: boolean;
  /** The number this attempt will have in its `attempt` event. */
  attempt: number;
  request_id: string;
  idempotency_key: string;
}

export interface AttemptEvent extends EventBase, StepRef {
  type: 'attempt';
  fallback: boolean;
  attempt: number;
  request_id: string;
  http_status: number | null;
  latency_ms: number;
  error: ErrorSummary | null;
}

export interface RetryEvent extends EventBase, StepRef {
  type: 'retry';
  fallback: boolean;
  attempt: number;
  reason: ErrorSummary;
  wait_ms: number;
  wait_source: 'retry-after' | 'backoff';
}

export interface StepEndEvent extends EventBase, StepRef {
  type: 'step_end';
  result: StepResult;
}

export interface ChainEndEvent extends EventBase, ChainEndSummary {
  type: 'chain_end';
}

export type ChainEvent =
  ChainStartEvent | StepStartEvent | RequestEvent | AttemptEvent | RetryEvent | StepEndEvent | ChainEndEvent;
export type ChainEventType = ChainEvent['type'];

/** The last event of a run (SPEC 6), once: what ran and the exit code. Written by the run session. */
export interface RunEndEvent {
  type: 'run_end';
  ts: string;
  run_id: string;
  chains: { total: number; completed: number; terminated_early: number };
  counts: StepCounts;
  steps_executed: number;
  duration_ms: number;
  exit_code: number;
  /** Why the run ended as it did, when not by its chains alone: an output that failed, a bug, a signal. */
  error: string | null;
}

/** Every event a run's outputs see. */
export type RunEvent = ChainEvent | RunEndEvent;
export type EventListener = (event: ChainEvent) => void;
