import { randomUUID } from 'node:crypto';
import {
  describeValue,
  evaluateCondition,
  type ActionStepModel,
  type ChainModel,
  type ChainStepModel,
  type Reference,
  type StepModel,
  type StepRetry,
} from '../chain/index.js';
import type { Admission } from '../cxone/throttle.js';
import type { DataActionClient, ExecuteResult, StepError } from '../cxone/types.js';
import type { Environment, HostAbortSignal } from '../host.js';
import type { ChainEvent, ErrorSummary, EventListener, ParentRef } from './events.js';
import { resolveReference, resolveTemplate, UnresolvedReference, type ResolveContext } from './resolve.js';
import {
  notRunResult,
  refOf,
  round2,
  toErrorData,
  type AuditEntry,
  type ChainResult,
  type FallbackResult,
  type StepCounts,
  type StepResult,
  type StepStatus,
  type TerminationReason,
} from './result.js';
import { applyInputDefaults } from './inputs.js';

export interface RunChainOptions {
  client: DataActionClient;
  /** Input values by name; defaults of the chain fill in the rest. */
  inputs?: Readonly<Record<string, unknown>>;
  /** Cancels the run: the request in flight is aborted, the rest is `cancelled`. */
  signal?: HostAbortSignal;
  onEvent?: EventListener;
  /** Default: a fresh UUID. */
  runId?: string;
  /** Where `env.*` and `secrets.*` are read. Default `process.env`. */
  env?: Environment;
  /** Clock in ms since the epoch, shared with the client's deadline. Default `Date.now`. */
  now?: () => number;
  /** Called with every `secrets.*` value the run reads, so outputs can redact it. */
  onSecret?: (value: string) => void;
  /** The rate-limit slot held for this chain since it was let in (`DataActionClient.admit`). */
  admission?: Admission | undefined;
  /**
   * A child chain's place (SPEC 3.3): the chain steps it runs under, outermost first, and the
   * parent's deadline (ms since the epoch), which the child's own cannot outlast.
   */
  within?: { parent: ParentRef[]; deadline: number };
}

type Emit = (event: DistributiveOmit<ChainEvent, 'ts' | 'run_id' | 'chain_id' | 'file'>) => void;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Runs one chain strictly in order (SPEC 3, 5, 6). Never throws for step failures: they are data. */
export async function runChain(chain: ChainModel, options: RunChainOptions): Promise<ChainResult> {
  const now = options.now ?? Date.now;
  const runId = options.runId ?? randomUUID();
  const listener = options.onEvent;
  const emit: Emit = listener
    ? (event) =>
        listener({
          ts: new Date(now()).toISOString(),
          run_id: runId,
          chain_id: chain.chainId,
          file: chain.file,
          ...(options.within ? { parent: options.within.parent } : {}),
          ...event,
        } as ChainEvent)
    : () => undefined;
  const ctx: ResolveContext & { steps: Map<string, { status: StepStatus; output: unknown }> } = {
    inputs: applyInputDefaults(chain, options.inputs ?? {}),
    steps: new Map(),
    chainId: chain.chainId,
    runId,
    env: options.env ?? process.env,
  };
  if (options.onSecret) ctx.onSecret = options.onSecret;
  const started = performance.now();
  // A child's deadline is the earlier of its own and what is left of its parent's (SPEC 3.3).
  const deadline = Math.min(now() + chain.globalTimeoutMs, options.within?.deadline ?? Infinity);
  emit({
    type: 'chain_start',
    revision: chain.revision ?? null,
    steps: chain.steps.length,
    global_timeout_ms: chain.globalTimeoutMs,
  });

  const results: StepResult[] = [];
  let termination: TerminationReason = null;
  for (const step of chain.steps) {
    if (!termination && options.signal?.aborted) termination = 'cancelled';
    if (!termination && now() >= deadline) termination = 'global_timeout';
    if (termination) {
      const skipped = notRunResult(refOf(step), termination);
      results.push(skipped);
      ctx.steps.set(step.id, { status: skipped.status, output: null });
      emit({ type: 'step_end', ...refOf(step), result: skipped });
      continue;
    }
    const result = await runStep(step, {
      chain,
      options,
      client: options.client,
      ctx,
      deadline,
      signal: options.signal,
      emit,
      now,
      admission: options.admission,
    });
    results.push(result);
    ctx.steps.set(step.id, { status: result.status, output: result.response_data });
    emit({ type: 'step_end', ...refOf(step), result });
    if (result.status === 'cancelled') termination = 'cancelled';
    // A fallback cut off by the deadline ends the chain for the deadline, not as an abort.
    else if (result.error?.kind === 'global_timeout' || result.fallback?.error?.kind === 'global_timeout')
      termination = 'global_timeout';
    else if (result.status === 'failed' && step.onFailure !== 'continue') termination = 'abort';
  }

  const { outputs, error: outputsError } = resolveOutputs(chain, ctx);
  const counts = countStatuses(results);
  const summary = {
    final_status: termination ? ('terminated_early' as const) : ('completed' as const),
    termination_reason: termination,
    steps_executed: results.filter((r) => r.attempts > 0 || r.error !== null).length,
    total_latency_ms: round2(performance.now() - started),
    completion_rate_percent: round2((counts.success / chain.steps.length) * 100),
    counts,
  };
  emit({ type: 'chain_end', ...summary });
  const result: ChainResult = {
    chain_id: chain.chainId,
    run_id: runId,
    file: chain.file,
    revision: chain.revision ?? null,
    ...summary,
    outputs,
    aggregated_responses: results,
    audit_log: results.filter((r) => r.status !== 'skipped' && r.started_at).map((r) => auditEntry(chain.chainId, r)),
  };
  if (outputsError) result.outputs_error = outputsError;
  return result;
}

interface StepContext {
  chain: ChainModel;
  options: RunChainOptions;
  client: DataActionClient;
  ctx: ResolveContext;
  deadline: number;
  signal: AbortSignal | undefined;
  emit: Emit;
  now: () => number;
  admission: Admission | undefined;
}

/** What one step's own work came to, before its `expect:` and its `on_failure`. */
type Outcome = (
  { ok: true; httpStatus?: number; data: unknown } | { ok: false; httpStatus?: number; error: StepError }
) & { attempts: number; tokenAttempts: number; latencyMs: number; child?: ChainResult };

async function runStep(step: StepModel, run: StepContext): Promise<StepResult> {
  const startedAt = new Date(run.now()).toISOString();
  const t0 = performance.now();
  const ref = refOf(step);
  if (step.condition) {
    const decided = evaluateCondition(step.condition, { read: (r) => readOrUndefined(r, run.ctx) });
    if (decided.ok && !decided.value) return { ...notRunResult(ref, 'condition'), condition: step.condition.text };
    if (!decided.ok)
      return settle(step, invalidExpression('if', step.condition.text, decided.message), run, startedAt, t0);
  }
  const outcome = step.kind === 'chain' ? await runChild(step, run) : await runAction(step, run);
  return settle(step, checkExpectations(step, outcome, run), run, startedAt, t0);
}

async function runAction(step: ActionStepModel, run: StepContext): Promise<Outcome> {
  const payload = tryResolve(() => resolveTemplate(step.payload, run.ctx));
  run.emit({ type: 'step_start', ...refOf(step), fallback: false, ...(payload.ok ? { payload: payload.value } : {}) });
  if (!payload.ok) return unresolved(payload.error);
  return execute(step, step.actionId, payload.value, step.timeoutMs, false, run, step);
}

/** A chain step (SPEC 3.3): the child runs in this run, under this deadline, fed only by `with:`. */
async function runChild(step: ChainStepModel, run: StepContext): Promise<Outcome> {
  const inputs = tryResolve(() => resolveTemplate(step.with, run.ctx));
  run.emit({ type: 'step_start', ...refOf(step), fallback: false, ...(inputs.ok ? { payload: inputs.value } : {}) });
  if (!inputs.ok) return unresolved(inputs.error);
  const parent = [
    ...(run.options.within?.parent ?? []),
    { chain_id: run.chain.chainId, file: run.chain.file, step_id: step.id },
  ];
  const child = await runChain(step.child, {
    ...run.options,
    inputs: isPlainRecord(inputs.value) ? inputs.value : {},
    runId: run.ctx.runId,
    within: { parent, deadline: run.deadline },
  });
  const attempts = child.aggregated_responses.reduce((n, r) => n + r.attempts + (r.fallback?.attempts ?? 0), 0);
  const counted = { attempts, tokenAttempts: 0, latencyMs: child.total_latency_ms, child };
  if (child.final_status === 'completed') return { ok: true, data: child.outputs, ...counted };
  return { ok: false, error: childError(step, child, run), ...counted };
}

function childError(step: ChainStepModel, child: ChainResult, run: StepContext): StepError {
  if (child.termination_reason === 'cancelled') return { kind: 'cancelled', message: 'the run was cancelled' };
  // The parent's own deadline ends the parent too; the child's shorter one is the child's failure.
  if (child.termination_reason === 'global_timeout' && run.now() >= run.deadline)
    return { kind: 'global_timeout', message: `the global timeout passed while ${step.uses} was running` };
  const failed = child.aggregated_responses.find((r) => r.status === 'failed' || r.status === 'cancelled');
  const cause = failed?.error;
  const error: StepError = {
    kind: 'child_failed',
    message: `${child.chain_id} (${child.file}) ended early (${child.termination_reason ?? 'failed'})${failed ? `: step ${failed.step_id} failed${cause ? ` — ${cause.message}` : ''}` : ''}`,
  };
  if (cause?.http_status) error.httpStatus = cause.http_status;
  if (cause?.hint) error.hint = cause.hint;
  return error;
}

/** `expect:` on an answer (SPEC 3.5): every expectation must hold, else kind `expectation`, never retried. */
function checkExpectations(step: StepModel, outcome: Outcome, run: StepContext): Outcome {
  if (!outcome.ok || !step.expectations) return outcome;
  for (const expectation of step.expectations) {
    const held = evaluateCondition(expectation, { read: (r) => readOrUndefined(r, run.ctx), output: outcome.data });
    if (!held.ok)
      return { ...outcome, ok: false, error: invalidExpression('expect', expectation.text, held.message).error };
    if (held.value) continue;
    // describeValue shows a long string or a structure only by its size: the message can never
    // hold a cut piece of a secret that redaction would no longer recognise.
    const seen = held.observed.map((o) => `${o.text} is ${o.unresolved ? 'missing (null)' : describeValue(o.value)}`);
    return {
      ...outcome,
      ok: false,
      error: {
        kind: 'expectation',
        message: `expectation \`${expectation.text}\` does not hold${seen.length ? `: ${seen.join(', ')}` : ''}`,
        hint: 'the action answered, but not as `expect:` requires: check the answer (--show-responses) or the expectation',
        ...(outcome.httpStatus === undefined ? {} : { httpStatus: outcome.httpStatus }),
      },
    };
  }
  return outcome;
}

function invalidExpression(where: 'if' | 'expect', text: string, message: string): Outcome & { ok: false } {
  return {
    ok: false,
    error: {
      kind: 'invalid_expression',
      message: `\`${where}: ${text}\` cannot be evaluated: ${message}${where === 'if' ? '; no request was sent' : ''}`,
      hint: 'the values of this run do not fit the expression: compare values of one type, and test for null first',
    },
    attempts: 0,
    tokenAttempts: 0,
    latencyMs: 0,
  };
}

function readOrUndefined(ref: Reference, ctx: ResolveContext): unknown {
  try {
    return resolveReference(ref, ctx);
  } catch (error) {
    if (error instanceof UnresolvedReference) return undefined;
    throw error;
  }
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The step's result from what its work came to: `on_failure` and its fallback apply to any failure. */
async function settle(
  step: StepModel,
  outcome: Outcome,
  run: StepContext,
  startedAt: string,
  t0: number,
): Promise<StepResult> {
  const base: StepResult = {
    ...refOf(step),
    status: 'success',
    started_at: startedAt,
    attempts: outcome.attempts,
    ...(outcome.tokenAttempts > 0 ? { token_attempts: outcome.tokenAttempts } : {}),
    http_status: outcome.httpStatus ?? null,
    latency_ms: 0,
    response_data: null,
    error: null,
    ...(outcome.child ? { child: outcome.child } : {}),
  };
  if (outcome.ok) return { ...base, latency_ms: round2(performance.now() - t0), response_data: outcome.data };
  const error = outcome.error;
  const failed = (status: StepStatus, extra: Partial<StepResult> = {}): StepResult => ({
    ...base,
    status,
    latency_ms: round2(performance.now() - t0),
    error: toErrorData(error),
    ...extra,
  });
  if (error.kind === 'cancelled') return failed('cancelled');
  if (error.kind === 'global_timeout' || step.onFailure !== 'fallback' || !step.fallback) return failed('failed');
  const fallback = await runFallback(step, run);
  if (fallback.result.status === 'success')
    return failed('fallback', { response_data: fallback.output, fallback: fallback.result });
  return failed(fallback.cancelled ? 'cancelled' : 'failed', { fallback: fallback.result });
}

async function runFallback(
  step: StepModel,
  run: StepContext,
): Promise<{ result: FallbackResult; output: unknown; cancelled: boolean }> {
  const fb = step.fallback;
  if (!fb) throw new Error('runFallback called for a step without fallback');
  const t0 = performance.now();
  if (fb.kind === 'output') {
    const output = tryResolve(() => resolveTemplate(fb.output, run.ctx));
    const error = output.ok ? null : toErrorData(unresolvedError(output.error));
    return {
      result: {
        kind: 'output',
        action_id: null,
        status: output.ok ? 'success' : 'failed',
        http_status: null,
        attempts: 0,
        latency_ms: round2(performance.now() - t0),
        error,
      },
      output: output.ok ? output.value : null,
      cancelled: false,
    };
  }
  const payload = tryResolve(() => resolveTemplate(fb.payload, run.ctx));
  run.emit({ type: 'step_start', ...refOf(step), fallback: true, ...(payload.ok ? { payload: payload.value } : {}) });
  const outcome = payload.ok
    ? await execute(step, fb.actionId, payload.value, fb.timeoutMs, true, run, fb)
    : unresolved(payload.error);
  const result: FallbackResult = {
    kind: 'action',
    action_id: fb.actionId,
    status: outcome.ok ? 'success' : 'failed',
    http_status: outcome.httpStatus ?? null,
    attempts: outcome.attempts,
    latency_ms: round2(performance.now() - t0),
    error: outcome.ok ? null : toErrorData(outcome.error),
  };
  return {
    result,
    output: outcome.ok ? outcome.data : null,
    cancelled: !outcome.ok && outcome.error.kind === 'cancelled',
  };
}

function execute(
  step: StepModel,
  actionId: string,
  payload: unknown,
  timeoutMs: number,
  fallback: boolean,
  run: StepContext,
  policy: { idempotent: boolean; retry: StepRetry },
): Promise<ExecuteResult> {
  const ref = { ...refOf(step), fallback };
  return run.client.execute({
    actionId,
    payload,
    timeoutMs,
    idempotent: policy.idempotent,
    retry: policy.retry,
    idempotencyKey: randomUUID(),
    deadline: run.deadline,
    origin: `step ${step.id} of chain ${run.ctx.chainId}`,
    admission: run.admission,
    ...(run.signal ? { signal: run.signal } : {}),
    onRequest: (info) =>
      run.emit({
        type: 'request',
        ...ref,
        attempt: info.attempt,
        request_id: info.requestId,
        idempotency_key: info.idempotencyKey,
      }),
    onAttempt: (info) =>
      run.emit({
        type: 'attempt',
        ...ref,
        attempt: info.attempt,
        request_id: info.requestId,
        http_status: info.httpStatus ?? null,
        latency_ms: round2(info.latencyMs),
        error: info.error ? summarize(info.error) : null,
      }),
    onRetry: (info) =>
      run.emit({
        type: 'retry',
        ...ref,
        attempt: info.attempt,
        reason: summarize(info.reason),
        wait_ms: Math.round(info.waitMs),
        wait_source: info.waitSource,
      }),
  });
}

type Resolved = { ok: true; value: unknown } | { ok: false; error: UnresolvedReference };

function tryResolve(fn: () => unknown): Resolved {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    if (error instanceof UnresolvedReference) return { ok: false, error };
    throw error;
  }
}

function unresolvedError(error: UnresolvedReference): StepError {
  return {
    kind: 'unresolved_reference',
    message: `cannot resolve ${error.message}; no request was sent`,
    ...(error.hint ? { hint: error.hint } : {}),
  };
}

function unresolved(error: UnresolvedReference): ExecuteResult {
  return { ok: false, error: unresolvedError(error), attempts: 0, tokenAttempts: 0, latencyMs: 0 };
}

function resolveOutputs(
  chain: ChainModel,
  ctx: ResolveContext,
): { outputs: Record<string, unknown> | null; error?: string } {
  const template = chain.outputs;
  if (!template) return { outputs: null };
  if (template.kind === 'literal') return { outputs: template.value as Record<string, unknown> };
  if (template.kind !== 'object') return { outputs: null };
  const outputs: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const [key, value] of template.entries) {
    const resolved = tryResolve(() => resolveTemplate(value, ctx));
    outputs[key] = resolved.ok ? resolved.value : null;
    if (!resolved.ok) errors.push(`${key}: ${resolved.error.message}`);
  }
  return errors.length ? { outputs, error: errors.join('; ') } : { outputs };
}

function summarize(error: StepError): ErrorSummary {
  return error.httpStatus === undefined
    ? { kind: error.kind, message: error.message }
    : { kind: error.kind, message: error.message, http_status: error.httpStatus };
}

function countStatuses(results: readonly StepResult[]): StepCounts {
  const counts: StepCounts = { success: 0, failed: 0, fallback: 0, skipped: 0, cancelled: 0 };
  for (const r of results) counts[r.status] += 1;
  return counts;
}

function auditEntry(chainId: string, r: StepResult): AuditEntry {
  return {
    chain_id: chainId,
    step_index: r.step_index,
    action_id: r.action_id,
    status: r.status,
    latency_ms: r.latency_ms,
    timestamp: r.started_at ?? '',
  };
}
