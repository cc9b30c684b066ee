import { resolve } from 'node:path';
import { compareDiagnostics, type ChainModel, type Diagnostic } from '../../chain/index.js';
import { formatDiagnosticsText } from '../../report/diagnostics.js';
import type { AnnotationPlace } from '../../report/github.js';
import { isGithubActions } from '../../report/github-env.js';
import type { ReportTargets } from '../../report/report-writer.js';
import type { RunSink } from '../../report/sink.js';
import { stepLocatorOf } from '../../report/step-locator.js';
import { openRunSession, writeReportsOfNoRun, type ConnectionOptions, type RunSession } from '../../session/index.js';
import { inputsForChains, parseInputFlags, variablesForChains } from '../inputs.js';
import { withBaselineCompiler } from '../baseline-compiler.js';
import { packageVersion } from '../package-root.js';
import { sessionContext, warn, writeErr, type CommandContext } from '../context.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { createJsonLinesSink, createSummaryLinesSink, formatInvalidRunLines } from '../render/json-lines.js';
import { createPlainLinesSink } from '../render/plain-lines.js';
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
  /** `run`: the shards of `--shard I/N` share `--rate-limit` (SPEC 4); `shard`: it is this shard's own. */
  rateLimitScope?: 'run' | 'shard';
  /** Follow symbolic links that lead outside the given paths (`--follow-symlinks`). Default false. */
  followSymlinks?: boolean;
  /** Print each step's answer under its line (`--show-responses`). Default false. */
  showResponses?: boolean;
}

export async function runCommand(paths: string[], options: RunOptions, ctx: CommandContext): Promise<number> {
  const reports = parseOutputFlags(options, ctx.cwd);
  const loaded = await loadChainsShard(paths, options.shard, {
    cwd: ctx.cwd,
    followOutside: options.followSymlinks === true,
  });
  const github = isGithubActions(ctx.env) ? { cwd: ctx.cwd, env: ctx.env } : undefined;
  // The GitHub reporters are loaded only in a workflow (issue 14: start-up).
  const reporters = github ? await loadGithubReporters() : undefined;
  const label = options.shard ? `shard ${formatShard(options.shard)}` : undefined;
  // Warnings are not the run's product: stderr, before anything runs, and the chains still run.
  if (loaded.warnings.length > 0 && loaded.diagnostics.length === 0) {
    ctx.stderr.write(`${formatDiagnosticsText(loaded.warnings, { style: ctx.errStyle })}\n`);
    if (github && reporters) ctx.stderr.write(reporters.formatProblemAnnotations(loaded.warnings, github));
  }
  if (loaded.diagnostics.length > 0) {
    ctx.stderr.write(formatDiagnosticsText(loaded.diagnostics, { style: ctx.errStyle }));
    ctx.stderr.write('nothing was run: fix the problems above first\n');
    if (options.renderer === 'json') {
      const all = [...loaded.diagnostics, ...loaded.warnings].sort(compareDiagnostics);
      ctx.stdout.write(formatInvalidRunLines(all, EXIT.invalid));
    }
    if (github && reporters) reportInvalidToGithub(loaded.diagnostics, github, reporters, ctx, label);
    return writeEmptyReports(reports, EXIT.invalid, ctx);
  }
  // A `call_only` file is validated with the others but runs only as a child (SPEC 3.3).
  const chains = loaded.chains.filter((chain) => !chain.callOnly);
  const callOnly = loaded.chains.length - chains.length;
  if (chains.length === 0 && (options.shard || callOnly > 0)) {
    ctx.stdout.write(
      options.shard && loaded.chains.length === 0
        ? `${label} holds none of the ${paths.join(', ') || 'chains'} chain files: nothing to run\n`
        : `${callOnly === 1 ? 'the chain is' : `all ${callOnly} chains are`} \`call_only\` (run only as children of other chains): nothing to run\n`,
    );
    if (reporters)
      warn(
        ctx,
        reporters.appendStepSummary(
          reporters.formatRunSummaryMarkdown([], {
            durationMs: 0,
            locate: () => undefined,
            ...(label ? { label } : {}),
          }),
          ctx.env,
        ).warning,
      );
    return writeEmptyReports(reports, EXIT.ok, ctx);
  }
  const inputs = inputsForChains(chains, parseInputFlags(options.input));
  // SPEC 3.2: every vars.* and secrets.* the chains use is set, or nothing is sent.
  variablesForChains(chains, ctx.env);
  const session = await openRunSession({
    ...options,
    rateLimitShares: options.shard && options.rateLimitScope !== 'shard' ? options.shard.total : 1,
    context: sessionContext(ctx),
  });
  try {
    return await runWithSignals(session, ctx, async () => {
      const sinks = await renderSinks(
        chains,
        options,
        ctx,
        github && reporters ? { github, reporters } : undefined,
        label,
      );
      const outcome = await withBaselineCompiler(() =>
        session.run(chains, {
          sinks,
          tool: { name: 'cxchain', version: packageVersion() },
          reports,
          concurrency: options.concurrency,
          showResponses: options.showResponses === true,
          inputsFor: (chain) => inputs.get(chain) ?? {},
        }),
      );
      if (outcome.problem) reportProblem(outcome.problem, ctx);
      return outcome.exitCode;
    });
  } finally {
    await session.close();
  }
}

/** The `--report` files of a run that runs nothing, so a CI step that reads them finds them (issue 15). */
function writeEmptyReports(reports: ReportTargets, exitCode: number, ctx: CommandContext): number {
  const problem = writeReportsOfNoRun(reports, { tool: { name: 'cxchain', version: packageVersion() }, exitCode });
  if (!problem) return exitCode;
  writeErr(ctx, `${ctx.errStyle.red('error:')} ${problem.message}\n`);
  return EXIT.output;
}

/** Progress for people and machines (SPEC 4: one stream per kind of line), then GitHub's view. */
async function renderSinks(
  chains: readonly ChainModel[],
  options: RunOptions,
  ctx: CommandContext,
  workflow: { github: AnnotationPlace; reporters: GithubReporters } | undefined,
  label: string | undefined,
): Promise<RunSink[]> {
  const out = (text: string) => ctx.stdout.write(text);
  const sinks: RunSink[] = [];
  const locate = stepLocatorOf(chains);
  if (options.renderer === 'json') {
    sinks.push(
      createJsonLinesSink(out),
      createSummaryLinesSink((text) => writeErr(ctx, text), ctx.errStyle, locate),
    );
  } else if (options.renderer === 'default' && ctx.stdout.live) {
    // listr2 is loaded only for a terminal.
    const { createLiveTreeSink } = await import('../render/live-tree.js');
    sinks.push(
      createLiveTreeSink(chains, {
        style: ctx.style,
        write: out,
        concurrency: options.concurrency,
        locate,
        showResponses: options.showResponses === true,
      }),
    );
  } else {
    sinks.push(
      createPlainLinesSink({
        write: out,
        style: ctx.style,
        manyChains: chains.length > 1,
        locate,
        showResponses: options.showResponses === true,
      }),
    );
  }
  if (workflow)
    sinks.push(
      workflow.reporters.createGithubRunSink(chains, {
        place: workflow.github,
        label,
        // Beside human progress on stdout; on stderr when stdout is JSON lines, which the runner reads too.
        write: options.renderer === 'json' ? (text) => writeErr(ctx, text) : out,
        warn: (line) => warn(ctx, line),
      }),
    );
  return sinks;
}

/**
 * Ctrl-C or SIGTERM cancels the requests in flight and lets the reports be written; a second one
 * quits at once.
 */
async function runWithSignals(session: RunSession, ctx: CommandContext, body: () => Promise<number>): Promise<number> {
  let signalled: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled !== undefined) process.exit(signalled);
    signalled = signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm;
    writeErr(
      ctx,
      `\n${signal === 'SIGINT' ? 'interrupted' : 'terminated'}: cancelling the requests in flight, writing reports (again to quit at once)\n`,
    );
    session.interrupt(signalled);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await body();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** One line for what stopped the run; a bug's stack only when asked for (SPEC 6). */
export function reportProblem(
  problem: { kind: 'output' | 'internal'; message: string; error: unknown },
  ctx: CommandContext,
): void {
  const stack = ctx.env.CXCHAIN_DEBUG === '1' && problem.error instanceof Error ? problem.error.stack : undefined;
  const after =
    problem.kind === 'output'
      ? 'the run was stopped; what was in flight was cancelled and recorded where it still could be'
      : 'the run was stopped; please report this with CXCHAIN_DEBUG=1 for the stack';
  writeErr(ctx, `${ctx.errStyle.red('error:')} ${problem.message}; ${after}\n${stack ? `${stack}\n` : ''}`);
}

/**
 * `--report` and `--audit`, checked before anything is loaded or sent: one file per format, no
 * file written by two outputs, no empty name.
 */
function parseOutputFlags(options: RunOptions, cwd: string): ReportTargets {
  const targets: ReportTargets = {};
  const owners = new Map<string, string>();
  const claim = (file: string, flag: string) => {
    const key = resolve(cwd, file);
    const owner = owners.get(key);
    if (owner !== undefined && owner !== flag)
      throw new UsageError(`${flag} and ${owner} name the same file; give each output a file of its own`);
    owners.set(key, flag);
  };
  if (options.audit !== undefined) {
    if (options.audit.trim() === '') throw new UsageError('--audit needs a file name, e.g. --audit out/audit.jsonl');
    claim(options.audit, `--audit ${options.audit}`);
  }
  for (const flag of options.report) {
    const match = /^(json|junit|html)=(.*)$/.exec(flag);
    if (!match) throw new UsageError(`--report ${JSON.stringify(flag)}: expected json=FILE, junit=FILE or html=FILE`);
    const kind = match[1] as keyof ReportTargets;
    const file = match[2] as string;
    if (file.trim() === '')
      throw new UsageError(`--report ${kind}= needs a file name, e.g. --report ${kind}=out/report`);
    const earlier = targets[kind];
    if (earlier !== undefined && resolve(cwd, earlier) !== resolve(cwd, file))
      throw new UsageError(
        `--report ${kind}= is given twice (${earlier} and ${file}); one ${kind} report per run, copy it afterwards if you need two`,
      );
    claim(file, `--report ${kind}=${file}`);
    targets[kind] = file;
  }
  return targets;
}

type GithubReporters = Awaited<ReturnType<typeof loadGithubReporters>>;

async function loadGithubReporters() {
  const [github, run] = await Promise.all([import('../../report/github.js'), import('../../report/run-github.js')]);
  return { ...github, ...run };
}

function reportInvalidToGithub(
  diagnostics: readonly Diagnostic[],
  place: AnnotationPlace,
  reporters: GithubReporters,
  ctx: CommandContext,
  label: string | undefined,
): void {
  const { formatProblemAnnotations, githubFileLinker, formatInvalidRunMarkdown, appendStepSummary } = reporters;
  // Beside the text on stderr; the runner reads workflow commands there as well as on stdout.
  ctx.stderr.write(formatProblemAnnotations(diagnostics, place));
  const link = githubFileLinker(place);
  const markdown = formatInvalidRunMarkdown(diagnostics, { ...(link ? { link } : {}), ...(label ? { label } : {}) });
  warn(ctx, appendStepSummary(markdown, place.env).warning);
}
