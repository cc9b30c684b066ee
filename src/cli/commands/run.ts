import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ChainModel, Diagnostic } from '../../chain/index.js';
import { runChains, type ChainEvent, type ChainResult } from '../../engine/index.js';
import { createAuditWriter, eventForOutput } from '../../report/audit.js';
import { formatDiagnosticsText } from '../../report/diagnostics.js';
import {
  appendStepSummary,
  formatProblemAnnotations,
  githubFileLinker,
  isGithubActions,
  type AnnotationPlace,
} from '../../report/github.js';
import { createReportWriter, type ReportTargets } from '../../report/report-writer.js';
import {
  formatInvalidRunMarkdown,
  formatRunSummaryMarkdown,
  formatStepAnnotations,
  stepLocatorOf,
} from '../../report/run-github.js';
import type { Redactor } from '../../report/redact.js';
import { openConnection, type ConnectionOptions } from '../connection.js';
import { inputsForChains, parseInputFlags, variablesForChains } from '../inputs.js';
import { isTTY, type CommandContext } from '../context.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { createListrProgress, summaryLine } from '../render/listr-progress.js';
import { formatMs } from '../render/step-text.js';
import { formatShard, type Shard } from '../shard.js';
import { loadChainsShard } from '../shard-selection.js';

export type RendererName = 'default' | 'simple' | 'json';

export interface RunOptions extends ConnectionOptions {
  input: string[];
  concurrency: number;
  report: string[];
  audit?: string;
  auditPayloads: boolean;
  renderer: RendererName;
  /** Run only this shard of the files (SPEC 8). */
  shard?: Shard;
  /** Follow symbolic links that lead outside the given paths (`--follow-symlinks`). Default false. */
  followSymlinks?: boolean;
}

export async function runCommand(paths: string[], options: RunOptions, ctx: CommandContext): Promise<number> {
  const reports = parseReports(options.report);
  const loaded = await loadChainsShard(paths, options.shard, {
    cwd: ctx.cwd,
    followOutside: options.followSymlinks === true,
  });
  const github = isGithubActions(ctx.env) ? { cwd: ctx.cwd, env: ctx.env } : undefined;
  if (loaded.diagnostics.length > 0) {
    ctx.stderr.write(formatDiagnosticsText(loaded.diagnostics, { style: ctx.errStyle }));
    ctx.stderr.write('nothing was run: fix the problems above first\n');
    if (github) reportInvalidToGithub(loaded.diagnostics, github, ctx.stderr, options);
    return EXIT.invalid;
  }
  if (loaded.chains.length === 0 && options.shard) {
    ctx.stdout.write(
      `shard ${formatShard(options.shard)} holds none of the ${paths.join(', ') || 'chains'} chain files: nothing to run\n`,
    );
    if (github)
      appendStepSummary(
        formatRunSummaryMarkdown([], {
          durationMs: 0,
          locate: () => undefined,
          label: `shard ${formatShard(options.shard)}`,
        }),
        ctx.env,
      );
    return EXIT.ok;
  }
  const inputs = inputsForChains(loaded.chains, parseInputFlags(options.input));
  const secrets = variablesForChains(loaded.chains, ctx.env); // SPEC 3.2: all set, or nothing is sent
  await checkReportTargets(reports);
  const connection = await openConnection(options, ctx);
  const { client, redactor } = connection;
  redactor.add(...secrets.map((secret) => secret.value));
  let audit: ReturnType<typeof createAuditWriter> | undefined;
  try {
    audit = options.audit ? createAuditWriter(options.audit, { payloads: options.auditPayloads, redactor }) : undefined;
  } catch (error) {
    await connection.close();
    throw new UsageError(
      `--audit ${options.audit}: cannot open the file for appending (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }

  const out = options.renderer === 'json' ? ctx.stderr : ctx.stdout;
  const progress =
    options.renderer === 'json'
      ? undefined
      : createListrProgress(loaded.chains, {
          renderer: options.renderer,
          isTTY: isTTY(ctx.stdout),
          style: ctx.style,
          redactor,
        });
  const onEvent = (event: ChainEvent) => {
    audit?.write(event);
    progress?.onEvent(event);
    if (options.renderer === 'json')
      ctx.stdout.write(`${redactor.json(eventForOutput(event, options.auditPayloads))}\n`);
  };

  const controller = new AbortController();
  let signalExit: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalExit !== undefined) process.exit(signalExit); // a second Ctrl-C means now
    signalExit = signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm;
    ctx.stderr.write(
      `\n${signal === 'SIGINT' ? 'interrupted' : 'terminated'}: cancelling the requests in flight, writing reports (again to quit at once)\n`,
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const started = performance.now();
  // Reports are written as chains finish and results are not held (issue 7: flat memory), except
  // in GitHub Actions, whose job summary lists every failure at the end.
  const writer = createReportWriter(reports, redactor);
  const summaries: ChainSummaryLine[] = new Array(loaded.chains.length);
  let results: ChainResult[];
  try {
    results = await runChains(loaded.chains, {
      client,
      concurrency: options.concurrency,
      signal: controller.signal,
      onEvent,
      env: ctx.env,
      onSecret: (value) => redactor.add(value),
      inputsFor: (chain) => inputs.get(chain) ?? {},
      retain: github !== undefined,
      onResult: (result, index) => {
        summaries[index] = summaryOf(result);
        writer.add(result, index);
      },
    });
    await progress?.done();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    audit?.close();
    writer.close();
    await connection.close();
  }
  const elapsed = performance.now() - started;
  const ran = summaries.filter((r) => r !== undefined);
  printSummary(out, ran, elapsed, ctx);
  if (github) reportRunToGithub(redactor.value(results), loaded.chains, elapsed, { ...github, redactor }, out, options);
  if (signalExit !== undefined) return signalExit;
  return ran.every((r) => r.final_status === 'completed') ? EXIT.ok : EXIT.terminatedEarly;
}

/** What the closing lines need of a chain: kept for every chain instead of its whole result. */
type ChainSummaryLine = Pick<
  ChainResult,
  | 'chain_id'
  | 'final_status'
  | 'termination_reason'
  | 'counts'
  | 'total_latency_ms'
  | 'completion_rate_percent'
  | 'steps_executed'
>;

function summaryOf(r: ChainResult): ChainSummaryLine {
  return {
    chain_id: r.chain_id,
    final_status: r.final_status,
    termination_reason: r.termination_reason,
    counts: r.counts,
    total_latency_ms: r.total_latency_ms,
    completion_rate_percent: r.completion_rate_percent,
    steps_executed: r.steps_executed,
  };
}

function parseReports(flags: readonly string[]): ReportTargets {
  const targets: ReportTargets = {};
  for (const flag of flags) {
    const match = /^(json|junit)=(.+)$/.exec(flag);
    if (!match) throw new UsageError(`--report ${JSON.stringify(flag)}: expected json=FILE or junit=FILE`);
    targets[match[1] as keyof ReportTargets] = match[2];
  }
  return targets;
}

/** A report that cannot be written must stop the run before any action runs, not after all of them. */
async function checkReportTargets(targets: ReportTargets): Promise<void> {
  for (const [kind, file] of Object.entries(targets)) {
    try {
      await mkdir(dirname(file), { recursive: true });
      await (await open(file, 'a')).close();
    } catch (error) {
      throw new UsageError(
        `--report ${kind}=${file}: cannot write there (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); nothing was run`,
      );
    }
  }
}

function printSummary(
  out: NodeJS.WritableStream,
  results: readonly ChainSummaryLine[],
  ms: number,
  ctx: CommandContext,
): void {
  const completed = results.filter((r) => r.final_status === 'completed').length;
  const steps = results.reduce((n, r) => n + r.steps_executed, 0);
  const style = out === ctx.stdout ? ctx.style : ctx.errStyle;
  // With progress on screen each chain has its summary line already; JSON events have none.
  if (out === ctx.stderr) for (const r of results) out.write(`${r.chain_id}: ${summaryLine(r, style)}\n`);
  const failed = results.length - completed;
  out.write(
    `${results.length} chain${results.length === 1 ? '' : 's'}: ${style.green(`${completed} completed`)}${failed ? `, ${style.red(`${failed} terminated early`)}` : ''}; ${steps} step${steps === 1 ? '' : 's'} run in ${formatMs(ms)}\n`,
  );
}

/** SPEC 8: failed steps as annotations at their lines, and the run as a table in the job summary. */
function reportRunToGithub(
  results: readonly ChainResult[],
  chains: readonly ChainModel[],
  ms: number,
  place: AnnotationPlace & { redactor: Redactor },
  out: NodeJS.WritableStream,
  options: RunOptions,
): void {
  const locate = stepLocatorOf(chains);
  out.write(place.redactor.text(formatStepAnnotations(results, locate, place)));
  const link = githubFileLinker(place);
  const summary = formatRunSummaryMarkdown(results, {
    durationMs: ms,
    locate,
    ...(link ? { link } : {}),
    ...(options.shard ? { label: `shard ${formatShard(options.shard)}` } : {}),
  });
  appendStepSummary(place.redactor.text(summary), place.env);
}

function reportInvalidToGithub(
  diagnostics: readonly Diagnostic[],
  place: AnnotationPlace,
  err: NodeJS.WritableStream,
  options: RunOptions,
): void {
  // Beside the text on stderr; the runner reads workflow commands there as well as on stdout.
  err.write(formatProblemAnnotations(diagnostics, place));
  const link = githubFileLinker(place);
  appendStepSummary(
    formatInvalidRunMarkdown(diagnostics, {
      ...(link ? { link } : {}),
      ...(options.shard ? { label: `shard ${formatShard(options.shard)}` } : {}),
    }),
    place.env,
  );
}
