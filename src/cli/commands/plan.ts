import { chainsOf } from '../../chain/index.js';
import { chainGraph, toMermaid } from '../../graph/index.js';
import { createPlan, GitError, type PlanResult } from '../../plan/index.js';
import { appendStepSummary, formatProblemAnnotations, githubFileLinker, isGithubActions } from '../../report/github.js';
import { mdText } from '../../report/markdown.js';
import { formatPlanMarkdown, formatPlanText } from '../../report/plan-format.js';
import { warn, type CommandContext } from '../context.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { loadChainsShard } from '../shard-selection.js';

export type PlanFormat = 'text' | 'markdown' | 'json';

export interface PlanOptions {
  /** The git ref to compare with; in a pull request it defaults to `origin/$GITHUB_BASE_REF`. */
  base?: string;
  format: PlanFormat;
  /** Fail a changed chain whose revision was not raised. Default true (`--no-revision-check`). */
  revisionCheck: boolean;
}

/** `cxchain plan` (SPEC 4, 8): 0 when every chain is valid and every changed chain raised its revision, else 2. */
export async function planCommand(paths: string[], options: PlanOptions, ctx: CommandContext): Promise<number> {
  const base = options.base ?? (ctx.env.GITHUB_BASE_REF ? `origin/${ctx.env.GITHUB_BASE_REF}` : undefined);
  if (!base) throw new UsageError('plan needs --base REF, the git ref to compare with, e.g. --base origin/main');
  let plan: PlanResult;
  try {
    plan = await createPlan({ paths, base, cwd: ctx.cwd, checkRevision: options.revisionCheck });
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    // A job summary that only says "exit 2" sends people digging through logs; say why here too.
    if (isGithubActions(ctx.env))
      warn(
        ctx,
        appendStepSummary(`### cxchain plan\n\n❌ ${mdText(error.message, { keepCode: true })}\n`, ctx.env).warning,
      );
    throw new UsageError(error.message);
  }
  const place = { cwd: ctx.cwd, env: ctx.env };
  const markdown = options.format === 'markdown' || isGithubActions(ctx.env);
  const charts = markdown ? await chartsOf(plan, ctx.cwd) : undefined;
  if (options.format === 'json') ctx.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
  else if (options.format === 'markdown') ctx.stdout.write(formatPlanMarkdown(plan, { ...(charts ? { charts } : {}) }));
  else ctx.stdout.write(formatPlanText(plan, ctx.style));
  if (isGithubActions(ctx.env)) {
    // Annotations beside human text on stdout; on stderr when stdout is JSON or Markdown someone may redirect.
    const annotations = formatProblemAnnotations([...plan.revision_problems, ...plan.diagnostics], place);
    (options.format === 'text' ? ctx.stdout : ctx.stderr).write(annotations);
    const link = githubFileLinker(place);
    warn(
      ctx,
      appendStepSummary(formatPlanMarkdown(plan, { ...(link ? { link } : {}), ...(charts ? { charts } : {}) }), ctx.env)
        .warning,
    );
  }
  return plan.ok ? EXIT.ok : EXIT.invalid;
}

/**
 * A flowchart of each valid added or changed chain, its changed steps highlighted (issue 16). The
 * files are loaded again here, so the plan itself stays plain data.
 */
async function chartsOf(plan: PlanResult, cwd: string): Promise<Map<string, string>> {
  const wanted = plan.chains.filter((e) => (e.status === 'added' || e.status === 'changed') && e.valid);
  const charts = new Map<string, string>();
  if (wanted.length === 0) return charts;
  const loaded = await loadChainsShard(
    wanted.map((e) => e.file),
    undefined,
    { cwd },
  );
  for (const entry of wanted) {
    const chain = loaded.chains.find((c) => c.file === entry.file);
    if (!chain) continue;
    const highlight = new Set(entry.step_changes.filter((c) => c.kind !== 'removed').map((c) => c.step_id));
    // Changed through a child (SPEC 3.3): the chain steps that lead to a changed file.
    const via = new Set(entry.via ?? []);
    for (const step of chain.steps)
      if (step.kind === 'chain' && chainsOf(step.child).some((c) => via.has(c.file))) highlight.add(step.id);
    charts.set(entry.file, toMermaid([chainGraph(chain, { highlight })]));
  }
  return charts;
}
