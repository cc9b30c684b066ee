import type { ChainModel, Diagnostic } from '../chain/index.js';
import { callOfRef, type ChainResult } from '../engine/index.js';
import {
  annotationPath,
  appendStepSummary,
  formatAnnotation,
  githubFileLinker,
  type AnnotationPlace,
} from './github.js';
import { incidentFacts, incidentLines, incidentsOf } from './incidents.js';
import type { RunSink } from './sink.js';
import { stepLocatorOf, type StepLocator } from './step-locator.js';
import { formatDuration, formatProblemsMarkdown, mdCode, mdPlace, mdTable, mdText, plural } from './markdown.js';

/**
 * `::error` for every failed step and `::warning` for every step saved by its fallback, placed at
 * the step's line (SPEC 8), so the annotation lands on the chain file in the commit view.
 */
export function formatStepAnnotations(
  results: readonly ChainResult[],
  locate: StepLocator,
  place: AnnotationPlace,
): string {
  return incidentsOf(results)
    .map(({ chain, step, level, name }) => {
      const at = locate(chain.file, step.step_index);
      const title = `${name} ${level === 'error' ? `failed (${step.error?.kind ?? 'error'})` : 'used its fallback'}`;
      return `${formatAnnotation({ level, file: annotationPath(chain.file, place.cwd, place.env), ...(at ? { line: at.line, column: at.column } : {}), title, message: incidentLines(step).join('\n') })}\n`;
    })
    .join('');
}

export interface SummaryHeadingOptions {
  /** Turns a file and line into a URL (the file on GitHub); none means plain text. */
  link?: (file: string, line: number) => string | undefined;
  /** Shown in the heading, e.g. `shard 2/4`. */
  label?: string;
}

export interface RunSummaryOptions extends SummaryHeadingOptions {
  /** Wall-clock time of the whole run, ms. */
  durationMs: number;
  locate: StepLocator;
}

function runHeading(label: string | undefined, rest: string): string {
  return `### cxchain run${label ? ` (${mdText(label)})` : ''}: ${rest}`;
}

/** The job summary of a run that did not start because chains are invalid. */
export function formatInvalidRunMarkdown(
  diagnostics: readonly Diagnostic[],
  options: SummaryHeadingOptions = {},
): string {
  return `${runHeading(options.label, `nothing was run, ${plural(diagnostics.length, 'problem')} to fix first`)}\n\n${formatProblemsMarkdown(diagnostics, options.link)}\n`;
}

const STATUS_ICON = { completed: '✅', terminated_early: '❌', cancelled: '⏹️' } as const;

/** The job summary of `cxchain run` (SPEC 8): a table of chains, then each failure with its hint. */
export function formatRunSummaryMarkdown(results: readonly ChainResult[], options: RunSummaryOptions): string {
  const completed = results.filter((r) => r.final_status === 'completed').length;
  const early = results.length - completed;
  const steps = results.reduce((n, r) => n + r.steps_executed, 0);
  const heading = runHeading(
    options.label,
    `${plural(results.length, 'chain')}, ${completed} completed${early ? `, ${early} terminated early` : ''}`,
  );
  const out = [heading, ''];
  if (results.length === 0) return `${heading}\n\nNo chains were selected.\n`;
  out.push(
    mdTable(
      ['', 'chain', 'file', 'status', 'steps', 'latency'],
      results.map((r) => [
        r.termination_reason === 'cancelled' ? STATUS_ICON.cancelled : STATUS_ICON[r.final_status],
        mdCode(r.chain_id),
        mdCode(r.file),
        r.final_status === 'completed' ? 'completed' : `terminated early (${r.termination_reason ?? 'unknown'})`,
        stepCounts(r),
        formatDuration(r.total_latency_ms),
      ]),
    ),
    '',
    `${plural(steps, 'step')} run in ${formatDuration(options.durationMs)}.`,
  );
  const incidents = incidentsOf(results);
  if (incidents.length > 0) {
    out.push('', '#### Failures', '');
    for (const { chain, step, level, name } of incidents) {
      const place = mdPlace(chain.file, options.locate(chain.file, step.step_index)?.line, options.link);
      const facts = incidentFacts(step, mdCode);
      out.push(
        `- ${level === 'error' ? '❌' : '⚠️'} **${mdText(name)}** (${mdCode(callOfRef(step))}) at ${place}: ${facts}`,
      );
      for (const line of incidentLines(step)) out.push(`  - ${mdText(line, { keepCode: true })}`);
    }
  }
  return `${out.join('\n')}\n`;
}

function stepCounts(r: ChainResult): string {
  const c = r.counts;
  const total = r.aggregated_responses.length;
  return [
    `${c.success}/${total} passed`,
    c.fallback ? `${c.fallback} fallback` : '',
    c.failed ? `${c.failed} failed` : '',
    c.skipped ? `${c.skipped} skipped` : '',
    c.cancelled ? `${c.cancelled} cancelled` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

export interface GithubRunSinkOptions {
  place: AnnotationPlace;
  /** Shown in the summary's heading, e.g. `shard 2/4`. */
  label?: string | undefined;
  /** Where the `::error` lines go (stdout beside text progress, stderr beside JSON lines). */
  write(text: string): void;
  warn(line: string): void;
}

/**
 * SPEC 8 in GitHub Actions: at the end of the run, an annotation at the line of every failed step
 * and a table of the run in the job summary. It holds the results it is given (people's view:
 * neutralised, no answers), since the summary lists every chain.
 */
export function createGithubRunSink(chains: readonly ChainModel[], options: GithubRunSinkOptions): RunSink {
  const results: ChainResult[] = [];
  const locate = stepLocatorOf(chains);
  return {
    name: 'GitHub annotations and job summary',
    audience: 'human',
    result: (result, index) => {
      results[index] = result;
    },
    end(end) {
      const ran = results.filter((r) => r !== undefined);
      options.write(formatStepAnnotations(ran, locate, options.place));
      const link = githubFileLinker(options.place);
      const summary = formatRunSummaryMarkdown(ran, {
        durationMs: end.duration_ms,
        locate,
        ...(link ? { link } : {}),
        ...(options.label ? { label: options.label } : {}),
      });
      const { warning } = appendStepSummary(summary, options.place.env);
      if (warning) options.warn(warning);
    },
  };
}
