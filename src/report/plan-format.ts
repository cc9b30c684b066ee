import { dirname, relative, sep } from 'node:path';
import type { FieldChange, PlanEntry, PlanResult, PlanStatus, StepChange } from '../plan/index.js';
import { formatDiagnosticsText } from './diagnostics.js';
import { PLAIN as plain, type TextStyle as Style } from './text-style.js';
import { formatProblemsMarkdown, mdCode, mdPlace, mdTable, mdText, plural } from './markdown.js';

/** `cxchain plan` for a person: text for a terminal, Markdown for a job summary or a PR comment. */

/** How a value reads in a one-line change: JSON, cut short; an absent key is `(unset)`. */
export function formatValue(value: unknown, max = 60): string {
  if (value === undefined) return '(unset)';
  const text =
    typeof value === 'string' && /^[\w./${}@ -]*$/.test(value) && value.trim() === value && value !== ''
      ? value
      : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `payload.tier: silver → gold` */
export function describeFieldChange(c: FieldChange): string {
  if (!('before' in c)) return `${c.path} added: ${formatValue(c.after)}`;
  if (!('after' in c)) return `${c.path} removed (was ${formatValue(c.before)})`;
  return `${c.path}: ${formatValue(c.before)} → ${formatValue(c.after)}`;
}

/** One line per step change; positions count from 1 as a person reads the file. */
export function describeStepChange(c: StepChange): string {
  switch (c.kind) {
    case 'added':
      return `step ${c.step_id}${c.action_id && c.action_id !== c.step_id ? ` (${c.action_id})` : ''} added at position ${c.index + 1}`;
    case 'removed':
      return `step ${c.step_id}${c.action_id && c.action_id !== c.step_id ? ` (${c.action_id})` : ''} removed (was at position ${c.index + 1})`;
    case 'moved':
      return `step ${c.step_id} moved from position ${c.from_index + 1} to ${c.to_index + 1}`;
    case 'changed':
      return `step ${c.step_id}: ${c.changes.map(describeFieldChange).join('; ')}`;
  }
}

const STEP_MARK: Readonly<Record<StepChange['kind'], string>> = { added: '+', removed: '-', moved: '↕', changed: '~' };
const STATUS_MARK: Readonly<Record<PlanStatus, string>> = {
  added: '+',
  changed: '~',
  moved: '→',
  removed: '-',
  unchanged: '=',
};

/**
 * The files a chain changed through (SPEC 3.3: `changed (via lib/crm-sync.yaml)`), each named from
 * the chain's own folder, as its `uses:` names them.
 */
export function viaFiles(e: PlanEntry): string[] {
  return (e.via ?? []).map((file) => relative(dirname(e.file), file).split(sep).join('/'));
}

function revisionText(e: PlanEntry): string {
  const { before, after } = e.revision;
  if (e.status === 'added') return after === null ? 'no revision' : `revision ${after}`;
  if (e.status === 'removed') return before === null ? 'no revision' : `revision ${before}`;
  return before === after ? `revision ${after ?? '-'}` : `revision ${before ?? '-'} → ${after ?? '-'}`;
}

function stepsText(e: PlanEntry): string {
  const { before, after } = e.steps;
  if (e.status === 'removed' || before === after || before === null)
    return plural((e.status === 'removed' ? before : after) ?? 0, 'step');
  return `${before} → ${plural(after ?? 0, 'step')}`;
}

export function summaryText(plan: PlanResult): string {
  const s = plan.summary;
  const parts = [
    s.added && `${s.added} added`,
    s.changed && `${s.changed} changed`,
    s.moved && `${s.moved} moved`,
    s.removed && `${s.removed} removed`,
    `${s.unchanged} unchanged`,
  ].filter(Boolean);
  return parts.join(', ');
}

/** The plan as terminal text: one line per chain that differs, its changes indented below, then the problems. */
export function formatPlanText(plan: PlanResult, style: Style = plain): string {
  const out = [
    `${style.bold('plan')} against ${plan.base.ref} (${plan.base.commit.slice(0, 7)}): ${summaryText(plan)}`,
    '',
  ];
  const shown = plan.chains.filter((e) => e.status !== 'unchanged');
  if (shown.length === 0) out.push('  no chain differs from the base', '');
  const idWidth = Math.max(8, ...shown.map((e) => (e.chain_id ?? '?').length));
  const colour = {
    added: style.green,
    changed: style.yellow,
    moved: style.cyan,
    removed: style.red,
    unchanged: style.dim,
  } as const;
  for (const e of shown) {
    const was = e.previous_file ? ` (was ${e.previous_file})` : '';
    const via = e.via ? ` (via ${viaFiles(e).join(', ')})` : '';
    const where = `${e.file}${was}${via}`;
    out.push(
      `  ${colour[e.status](`${STATUS_MARK[e.status]} ${e.status.padEnd(7)}`)}  ${(e.chain_id ?? '?').padEnd(idWidth)}  ${where}  ${style.dim(`${revisionText(e)}, ${stepsText(e)}`)}`,
    );
    for (const c of e.chain_changes) out.push(`      ${style.dim('chain:')} ${describeFieldChange(c)}`);
    for (const c of e.step_changes) out.push(`      ${STEP_MARK[c.kind]} ${describeStepChange(c)}`);
    if (e.note) out.push(`      ${style.dim(e.note)}`);
  }
  if (shown.length > 0) out.push('');
  // One formatter for every problem, so a revision left alone gets its line and caret too.
  const problems = [...plan.revision_problems, ...plan.diagnostics];
  if (problems.length > 0) out.push(formatDiagnosticsText(problems, { style, summary: false }).trimEnd(), '');
  out.push(
    plan.ok
      ? `${style.green('✔')} no problems`
      : `${style.red('✖')} ${plural(plan.summary.problems, 'problem')}: fix ${plan.summary.problems === 1 ? 'it' : 'them'} before merging`,
  );
  return `${out.join('\n')}\n`;
}

const STATUS_ICON: Readonly<Record<PlanStatus, string>> = {
  added: '➕',
  changed: '✏️',
  moved: '🔀',
  removed: '➖',
  unchanged: '',
};
const STEP_ICON: Readonly<Record<StepChange['kind'], string>> = {
  added: '➕',
  removed: '➖',
  moved: '↕️',
  changed: '✏️',
};

export interface PlanMarkdownOptions {
  /** Turns a file and line into a URL (the file on GitHub); none means plain text. */
  link?: (file: string, line: number) => string | undefined;
  /** A Mermaid flowchart of an added or changed chain, by its file, shown under its changes. */
  charts?: ReadonlyMap<string, string>;
}

/** The plan as Markdown for `$GITHUB_STEP_SUMMARY` or a PR comment: a table of chains, each change, the problems. */
export function formatPlanMarkdown(plan: PlanResult, options: PlanMarkdownOptions = {}): string {
  const verdict = plan.ok ? '✅ no problems' : `❌ ${plural(plan.summary.problems, 'problem')}`;
  const out = [
    `### cxchain plan against ${mdCode(plan.base.ref)} (${mdCode(plan.base.commit.slice(0, 7))})`,
    '',
    `${summaryText(plan)} — ${verdict}`,
  ];
  const shown = plan.chains.filter((e) => e.status !== 'unchanged');
  const notRaised = new Set(plan.revision_problems.map((p) => p.file));
  if (shown.length > 0) {
    out.push(
      '',
      mdTable(
        ['', 'chain', 'file', 'revision', 'steps', 'changes'],
        shown.map((e) => [
          `${STATUS_ICON[e.status]} ${e.status}`,
          e.chain_id ? mdCode(e.chain_id) : '?',
          e.previous_file ? `${mdCode(e.file)} (was ${mdCode(e.previous_file)})` : mdCode(e.file),
          `${revisionText(e).replace('revision ', '')}${notRaised.has(e.file) ? ' ⚠️ not raised' : ''}`,
          stepsText(e),
          changeCounts(e),
        ]),
      ),
    );
  }
  const chartOf = (e: PlanEntry) => (e.status === 'removed' ? undefined : options.charts?.get(e.file));
  for (const e of shown.filter((x) => x.chain_changes.length + x.step_changes.length > 0 || x.note || chartOf(x))) {
    out.push('', `#### ${STATUS_ICON[e.status]} ${e.chain_id ? mdCode(e.chain_id) : mdCode(e.file)}`, '');
    for (const c of e.chain_changes) out.push(`- chain: ${mdCode(describeFieldChange(c))}`);
    for (const c of e.step_changes) {
      const at = 'line' in c && c.line ? ` (${mdPlace(e.file, c.line, options.link)})` : '';
      out.push(`- ${STEP_ICON[c.kind]} ${mdStepChange(c)}${at}`);
    }
    if (e.note) out.push(`- ${mdText(e.note)}`);
    const chart = chartOf(e);
    if (chart) out.push('', '```mermaid', chart.trimEnd(), '```');
  }
  const problems = [...plan.revision_problems, ...plan.diagnostics];
  if (problems.length > 0) out.push('', '#### Problems', '', formatProblemsMarkdown(problems, options.link));
  return `${out.join('\n')}\n`;
}

function mdStepChange(c: StepChange): string {
  if (c.kind !== 'changed') return mdText(describeStepChange(c));
  const fields = c.changes.map((f) => `**${f.category}** ${mdCode(describeFieldChange(f))}`).join(', ');
  return `step ${mdCode(c.step_id)}: ${fields}`;
}

function changeCounts(e: PlanEntry): string {
  if (e.status === 'added') return 'new chain';
  if (e.status === 'removed') return 'chain removed';
  if (e.status === 'moved') return 'file moved';
  if (e.via) return `via ${viaFiles(e).map(mdCode).join(', ')}`;
  const count = (kind: StepChange['kind']) => e.step_changes.filter((c) => c.kind === kind).length;
  const parts = [
    count('added') && `${count('added')} added`,
    count('removed') && `${count('removed')} removed`,
    count('moved') && `${count('moved')} moved`,
    count('changed') && `${count('changed')} changed`,
  ].filter(Boolean);
  const steps = parts.length ? `steps: ${parts.join(', ')}` : '';
  const chain = e.chain_changes.length ? `${plural(e.chain_changes.length, 'chain setting')}` : '';
  return [steps, chain, e.note ? 'not compared step by step' : ''].filter(Boolean).join('; ');
}
