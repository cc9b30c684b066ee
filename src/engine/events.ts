import type { FailureKind } from '../cxone/types.js';
import type { ChainEndSummary, StepResult } from './result.js';

/** Fields every event carries (SPEC 6). */
export interface EventBase {
  ts: string;
  run_id: string;
  chain_id: string;
  file: string;
}

export interface StepRef {
  step_index: number;
  step_id: string;
  action_id: string;
}

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

export type ChainEvent = ChainStartEvent | StepStartEvent | AttemptEvent | RetryEvent | StepEndEvent | ChainEndEvent;
export type ChainEventType = ChainEvent['type'];
export type EventListener = (event: ChainEvent) => void;
