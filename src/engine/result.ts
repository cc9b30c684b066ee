import type { StepModel } from '../chain/index.js';
import type { StepError } from '../cxone/types.js';

export type StepStatus = 'success' | 'failed' | 'fallback' | 'skipped' | 'cancelled';
export type FinalStatus = 'completed' | 'terminated_early';
export type TerminationReason = 'abort' | 'global_timeout' | 'cancelled' | null;
/** Why a step did not run (SPEC 3.5): its `if:` was false, or the chain stopped before it. */
export type SkipReason = 'condition' | 'abort' | 'global_timeout' | 'cancelled';

/** Why a step never ran, in words, when it was not its own `if:`: every output says it so. */
export const NOT_RUN_BECAUSE = {
  abort: 'an earlier step failed',
  global_timeout: 'the global timeout passed',
  cancelled: 'the run was cancelled',
} as const satisfies Record<Exclude<SkipReason, 'condition'>, string>;

/** The error of a step as it appears in results: SPEC 5's fields, snake_case. */
export interface StepErrorData {
  kind: StepError['kind'];
  message: string;
  http_status: number | null;
  server_message: string | null;
  code: string | null;
  context_id: string | null;
  hint: string | null;
}

export interface FallbackResult {
  kind: 'action' | 'output';
  action_id: string | null;
  status: 'success' | 'failed';
  http_status: number | null;
  attempts: number;
  latency_ms: number;
  error: StepErrorData | null;
}

/** What identifies a step in events and results. */
export interface StepRef {
  step_index: number;
  step_id: string;
  /** The Data Action an action step calls; null for a chain step. */
  action_id: string | null;
  /** The chain file a chain step runs, as written (SPEC 3.3); absent for an action step. */
  uses?: string;
}

/** One entry of `aggregated_responses` (SPEC 6). */
export interface StepResult {
  step_index: number;
  step_id: string;
  /** The Data Action an action step calls; null for a chain step. */
  action_id: string | null;
  /** The chain file a chain step runs, as written (SPEC 3.3); absent for an action step. */
  uses?: string;
  status: StepStatus;
  http_status: number | null;
  /** Execute requests sent (SPEC 5: an attempt is one request). */
  attempts: number;
  /** Token requests the step waited for, counted apart from `attempts`; absent when none. */
  token_attempts?: number;
  latency_ms: number;
  started_at: string | null;
  response_data: unknown;
  error: StepErrorData | null;
  fallback?: FallbackResult;
  /** Present when the step did not run: `skipped`, or `cancelled` before it started. */
  skip_reason?: SkipReason;
  /** The `if:` that was false, as written, for `skip_reason: condition`. */
  condition?: string;
  /** A chain step's child run, a whole chain result (SPEC 3.3). */
  child?: ChainResult;
}

export interface StepCounts {
  success: number;
  failed: number;
  fallback: number;
  skipped: number;
  cancelled: number;
}

export interface ChainEndSummary {
  final_status: FinalStatus;
  termination_reason: TerminationReason;
  steps_executed: number;
  total_latency_ms: number;
  completion_rate_percent: number;
  counts: StepCounts;
}

/** The seed's per-step audit entry, kept in the result for compatibility. */
export interface AuditEntry {
  chain_id: string;
  step_index: number;
  action_id: string | null;
  status: StepStatus;
  latency_ms: number;
  timestamp: string;
}

/** The result of one chain run (SPEC 6): plain data. */
export interface ChainResult extends ChainEndSummary {
  chain_id: string;
  run_id: string;
  file: string;
  revision: number | null;
  outputs: Record<string, unknown> | null;
  /** Set when the chain's `outputs` could not be resolved. */
  outputs_error?: string;
  aggregated_responses: StepResult[];
  audit_log: AuditEntry[];
}

export function toErrorData(error: StepError): StepErrorData {
  return {
    kind: error.kind,
    message: error.message,
    http_status: error.httpStatus ?? null,
    server_message: error.serverMessage ?? null,
    code: error.code ?? null,
    context_id: error.contextId ?? null,
    hint: error.hint ?? null,
  };
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** A step that never ran: its `if:` was false, or it was skipped or cancelled before it started. */
export function notRunResult(ref: StepRef, reason: SkipReason): StepResult {
  return {
    ...ref,
    status: reason === 'cancelled' ? 'cancelled' : 'skipped',
    skip_reason: reason,
    http_status: null,
    attempts: 0,
    latency_ms: 0,
    started_at: null,
    response_data: null,
    error: null,
  };
}

/** What identifies a step in events and results: the one place it is derived from the model. */
export function refOf(step: StepModel): StepRef {
  return step.kind === 'chain'
    ? { step_index: step.index, step_id: step.id, action_id: null, uses: step.uses }
    : { step_index: step.index, step_id: step.id, action_id: step.actionId };
}

/** What a step calls, as a person reads it: the Data Action's id, or the chain file it uses. */
export function callOfRef(ref: Pick<StepRef, 'action_id' | 'uses'>): string {
  return ref.uses ?? ref.action_id ?? '';
}
