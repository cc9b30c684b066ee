import { randomUUID } from 'node:crypto';
import type { ChainModel } from '../chain/index.js';
import {
  ChainRunError,
  runChains,
  type ChainResult,
  type StepResult,
  type RunEndEvent,
  type RunEvent,
  type StepCounts,
} from '../engine/index.js';
import type { HostAbortSignal } from '../host.js';
import { createAuditSink, eventForOutput } from '../report/audit.js';
import { changesAnything } from '../report/map-strings.js';
import { neutralize, neutralizeValue } from '../report/neutralize.js';
import { OutputError } from '../report/output-file.js';
import type { Redactor } from '../report/redact.js';
import type { ReportTargets } from '../report/report-writer.js';
import type { RunSink } from '../report/sink.js';
import { stepLocatorOf } from '../report/step-locator.js';
import { openConnection, type ConnectionContext, type ConnectionOptions } from './connection.js';
import { EXIT, UsageError } from './exit-codes.js';
import { errorCode, openReportSinks } from './report-sinks.js';

export interface RunSessionOptions extends ConnectionOptions {
  /** `--audit FILE`: every event of every run of the session, as JSON lines. Default none. */
  audit?: string | undefined;
  /** Keep payloads and answers in the audit and JSON lines (`--audit-payloads`). Default false. */
  auditPayloads?: boolean;
  /** Where the session's own warnings and workflow commands go. */
  context: ConnectionContext;
}

export interface SessionRunOptions {
  /** This run's outputs besides the audit and reports: renderers, JSON lines, GitHub. */
  sinks?: readonly RunSink[];
  /** `--report json=` / `junit=` / `html=`, written whole at the end. Default none. */
  reports?: ReportTargets;
  /** Chains at once. Default 4. */
  concurrency?: number;
  inputsFor?: (chain: ChainModel, index: number) => Readonly<Record<string, unknown>>;
  /** Cancels this run (watch: the file changed). */
  signal?: HostAbortSignal;
  /** Keep the results for the outcome. Default false: they only go to the sinks. */
  retain?: boolean;
  /** Who wrote the reports (the JSON report's `tool`). Default `cxchain`, version unknown. */
  tool?: { name: string; version: string };
  /** People see each step's answer (`--show-responses`; watch's default). Default false: answers are for data outputs. */
  showResponses?: boolean;
}

/** What stopped a run short of its chains' own outcome. */
export interface RunProblem {
  kind: 'output' | 'internal';
  /** One line for a person. */
  message: string;
  error: unknown;
}

export interface RunOutcome {
  exitCode: number;
  end: RunEndEvent;
  /** The first output that could not be written (exit 74) or the bug met (exit 70). */
  problem?: RunProblem;
  /** With `retain`: the results in the order of the chains; redacted. */
  results: ChainResult[];
}

export interface RunSession {
  readonly redactor: Redactor;
  /** Where requests go, in words. */
  readonly target: string;
  /**
   * Runs chains under one run id. Every event and result is redacted once here, and neutralised
   * once for the human sinks, before any sink sees it.
   */
  run(chains: readonly ChainModel[], options?: SessionRunOptions): Promise<RunOutcome>;
  /** SIGINT / SIGTERM: cancels the run in flight, which then ends with this exit code. */
  interrupt(exitCode: number): void;
  /** Closes the audit and the connection. */
  close(): Promise<void>;
}

interface RunState {
  stop: AbortController;
  output?: RunProblem;
  internal?: RunProblem;
  interrupted?: number;
}

/**
 * The one owner of a run's outputs (issue 11), used by `run`, `watch` and the library: it opens
 * the connection and the audit, redacts at the source, fans out to sinks and turns every failure
 * of an output or a bug into a stopped run with the exit code of SPEC 4, never a crash.
 */
export async function openRunSession(options: RunSessionOptions): Promise<RunSession> {
  const payloads = options.auditPayloads ?? false;
  if (options.audit === '') throw new UsageError('--audit needs a file name');
  const connection = await openConnection(options, options.context);
  const { redactor } = connection;
  let audit: RunSink | undefined;
  try {
    audit = options.audit !== undefined ? createAuditSink(options.audit) : undefined;
  } catch (error) {
    await connection.close();
    throw new UsageError(
      `--audit ${options.audit}: cannot open the file for appending (${errorCode((error as OutputError).cause)}); nothing was run`,
    );
  }
  let current: RunState | undefined;
  let auditFailed = false;

  const run = async (chains: readonly ChainModel[], runOptions: SessionRunOptions = {}): Promise<RunOutcome> => {
    const started = performance.now();
    const startedAt = new Date().toISOString();
    const runId = randomUUID();
    const reportSinks = openReportSinks(
      runOptions.reports ?? {},
      { tool: runOptions.tool ?? { name: 'cxchain', version: 'unknown' }, run_id: runId, started_at: startedAt },
      stepLocatorOf(chains),
      { payloads, chains: chains.length },
    );
    const sinks = [...(runOptions.sinks ?? []), ...reportSinks];
    const eventSinks = [...(audit && !auditFailed ? [audit] : []), ...sinks.filter((s) => s.event)];
    const resultSinks = sinks.filter((s) => s.result);
    const forPeople = sinks.some((s) => s.audience === 'human');
    const state: RunState = { stop: new AbortController() };
    current = state;
    const dead = new Set<RunSink>();

    const fail = (sink: RunSink | undefined, error: unknown) => {
      if (sink) {
        dead.add(sink);
        if (sink === audit) auditFailed = true;
        try {
          sink.abandon?.();
        } catch {
          // The sink is already broken; its first error is the one to report.
        }
      }
      if (error instanceof OutputError) state.output ??= { kind: 'output', message: error.message, error };
      else state.internal ??= { kind: 'internal', message: describeBug(error), error };
      state.stop.abort();
    };
    const deliver = (sink: RunSink, call: () => void) => {
      if (dead.has(sink)) return;
      try {
        call();
      } catch (error) {
        fail(sink, error);
      }
    };
    /** Redacts once and neutralises once; returns the two views, or nothing when that failed. */
    const views = <T>(value: T, forData: (exact: T) => T, strip: (exact: T) => T) => {
      try {
        // Nearly every event has no secret and no control character: one walk finds that out for
        // both views, and both are then the event itself (issue 14).
        if (!changesAnything(value, forPeople ? safeText : redactor.text))
          return { data: forData(value), human: forPeople ? strip(value) : value };
        const exact = redactor.value(value);
        return { data: forData(exact), human: forPeople ? neutralizeValue(strip(exact)) : exact };
      } catch (error) {
        fail(undefined, error);
        return undefined;
      }
    };
    const safeText = (text: string) => neutralize(redactor.text(text));
    const forPeopleOf = runOptions.showResponses ? withoutPayloads : withoutBodies;
    const emit = (event: RunEvent) => {
      const view = views(event, (e) => eventForOutput(e, payloads), forPeopleOf);
      if (!view) return view;
      for (const sink of eventSinks)
        deliver(sink, () => sink.event?.(sink.audience === 'human' ? view.human : view.data));
      return view;
    };

    const counts: StepCounts = { success: 0, failed: 0, fallback: 0, skipped: 0, cancelled: 0 };
    let completed = 0;
    let ended = 0;
    let stepsExecuted = 0;
    const kept: ChainResult[] = [];
    const signal = runOptions.signal ? AbortSignal.any([runOptions.signal, state.stop.signal]) : state.stop.signal;
    try {
      await runChains(chains, {
        client: connection.client,
        runId,
        concurrency: runOptions.concurrency ?? 4,
        signal,
        env: options.context.env,
        onSecret: (value) => redactor.add(value),
        ...(runOptions.inputsFor ? { inputsFor: runOptions.inputsFor } : {}),
        retain: false,
        onEvent: emit,
        onResult: (result, index) => {
          ended += 1;
          if (result.final_status === 'completed') completed += 1;
          stepsExecuted += result.steps_executed;
          for (const key of Object.keys(counts) as (keyof StepCounts)[]) counts[key] += result.counts[key];
          const view = views(result, (r) => r, withoutResponses);
          if (!view) return;
          if (runOptions.retain) kept[index] = view.data;
          for (const sink of resultSinks)
            deliver(sink, () => sink.result?.(sink.audience === 'human' ? view.human : view.data, index));
        },
      });
    } catch (error) {
      fail(undefined, error);
    }
    // Files are committed before run_end, so its exit code knows whether they could be written.
    const committed = { finished_at: new Date().toISOString(), exit_code: exitCodeOf(state, ended === completed) };
    for (const sink of sinks) if (sink.commit) deliver(sink, () => sink.commit?.(committed));
    const end: RunEndEvent = {
      type: 'run_end',
      ts: new Date().toISOString(),
      run_id: runId,
      chains: { total: chains.length, completed, terminated_early: ended - completed },
      counts,
      steps_executed: stepsExecuted,
      duration_ms: Math.round((performance.now() - started) * 100) / 100,
      exit_code: exitCodeOf(state, ended === completed),
      error: (state.internal ?? state.output)?.message ?? null,
    };
    const view = emit(end);
    const human = (view?.human as RunEndEvent | undefined) ?? end;
    for (const sink of sinks) {
      if (!sink.end || dead.has(sink)) continue;
      try {
        await sink.end(sink.audience === 'human' ? human : end);
      } catch (error) {
        fail(sink, error);
      }
    }
    if (current === state) current = undefined;
    const problem = state.internal ?? state.output;
    return {
      exitCode: exitCodeOf(state, ended === completed),
      end,
      ...(problem ? { problem } : {}),
      results: kept,
    };
  };

  return {
    redactor,
    target: connection.target,
    run,
    interrupt(exitCode) {
      if (!current) return;
      current.interrupted ??= exitCode;
      current.stop.abort();
    },
    async close() {
      try {
        audit?.abandon?.();
      } finally {
        await connection.close();
      }
    },
  };
}

/** SPEC 4: a signal first, then a bug, then an output that failed, then the chains' own outcome. */
function exitCodeOf(state: RunState, allCompleted: boolean): number {
  if (state.interrupted !== undefined) return state.interrupted;
  if (state.internal) return EXIT.internal;
  if (state.output) return EXIT.output;
  return allCompleted ? EXIT.ok : EXIT.terminatedEarly;
}

function describeBug(error: unknown): string {
  const cause = error instanceof ChainRunError ? error.cause : error;
  const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  const where = error instanceof ChainRunError ? ` while running ${error.chain.chainId} (${error.chain.file})` : '';
  return `internal error${where}: ${what}`;
}

/** What people are shown of an event: no request bodies or answers (those are data). */
function withoutBodies(event: RunEvent): RunEvent {
  if (event.type === 'step_end') return { ...event, result: stepWithoutResponses(event.result) };
  return withoutPayloads(event);
}

/** What people see with `--show-responses`: the answers, not the request bodies. */
function withoutPayloads(event: RunEvent): RunEvent {
  if (event.type === 'step_start' && 'payload' in event) {
    const { payload: _payload, ...rest } = event;
    return rest;
  }
  return event;
}

function withoutResponses(result: ChainResult): ChainResult {
  return { ...result, aggregated_responses: result.aggregated_responses.map(stepWithoutResponses) };
}

/** A step's result without its answer, and a chain step's child likewise (at most 5 levels, SPEC 3.3). */
function stepWithoutResponses(step: StepResult): StepResult {
  const stripped: StepResult = { ...step, response_data: null };
  if (step.child) stripped.child = withoutResponses(step.child);
  return stripped;
}
