import type { StepCounts } from '../engine/index.js';
import { escapeHtml } from './html-escape.js';
import type { DrawnChain, TimelineRow } from './html-rows.js';
import { ms, type Segment } from './html-timeline.js';
import { HTML_STYLE } from './html-style.js';

/** What the summary of `--report html` says: the run's envelope and its totals. */
export interface HtmlSummary {
  tool: { name: string; version: string };
  run_id: string;
  started_at: string;
  finished_at: string;
  exit_code: number;
  chains: { total: number; completed: number; terminated_early: number };
  /** Steps of the run's own chains (a child's steps are inside its chain step). */
  steps: number;
  steps_executed: number;
  counts: StepCounts;
}

/**
 * `--report html=FILE`: one self-contained page (inline CSS, HTML bars, no script, no font, no
 * request), readable with JavaScript off: a summary, a timeline of every attempt and wait on one
 * time axis from the run's start, and each step's detail in `<details>`.
 */
export function formatHtmlReport(summary: HtmlSummary, chains: readonly DrawnChain[]): string {
  const rows = chains.flatMap((c) => c.rows);
  const total = Math.max(
    1,
    Date.parse(summary.finished_at) - Date.parse(summary.started_at),
    ...rows.flatMap((r) => [r.span.end ?? 0, ...r.segments.map((s) => s.end)]),
  );
  const title = `cxchain run ${summary.run_id}`;
  return [
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title><style>${HTML_STYLE}</style></head><body>`,
    `<h1>${escapeHtml(title)}</h1>`,
    summaryOf(summary),
    chains.length === 0
      ? `<p class="none">Nothing was run (exit code ${summary.exit_code}): no chain was selected, or the chains were invalid.</p>`
      : `<h2>Timeline</h2>${LEGEND}${timelineOf(rows, total)}<h2>Steps</h2>${chains.map((c, i) => chainDetails(c, i)).join('')}`,
    '</body></html>\n',
  ].join('\n');
}

function summaryOf(s: HtmlSummary): string {
  const c = s.counts;
  const cells: [string, string][] = [
    ['chains', `${s.chains.total}`],
    ['completed', `${s.chains.completed}`],
    ['terminated early', `${s.chains.terminated_early}`],
    ['steps', `${s.steps} (${s.steps_executed} executed)`],
    ['success', `${c.success}`],
    ['failed', `${c.failed}`],
    ['fallback', `${c.fallback}`],
    ['skipped', `${c.skipped}`],
    ['cancelled', `${c.cancelled}`],
    ['duration', ms(Date.parse(s.finished_at) - Date.parse(s.started_at))],
    ['exit code', `${s.exit_code}`],
  ];
  const facts = cells.map(
    ([k, v]) => `<div class="fact"><span>${k}</span><b data-fact="${k}">${escapeHtml(v)}</b></div>`,
  );
  return (
    `<section class="summary">${facts.join('')}</section>` +
    `<p class="meta">run <code>${escapeHtml(s.run_id)}</code> · ${escapeHtml(s.tool.name)} ${escapeHtml(s.tool.version)} · ` +
    `started ${escapeHtml(s.started_at)} · finished ${escapeHtml(s.finished_at)}</p>`
  );
}

const LEGEND =
  '<p class="legend">' +
  ['success', 'failed', 'fallback', 'skipped', 'cancelled'].map((o) => `<span class="key ${o}"></span>${o}`).join(' ') +
  ' <span class="key retry_wait"></span>retry wait <span class="key before_send"></span>wait before sending (token, rate-limit slot, cool-down)' +
  ' <span class="key span"></span>step from start to end</p>';

function timelineOf(rows: readonly TimelineRow[], total: number): string {
  const ticks = ticksOf(total);
  const grid = ticks.map((t) => `<i style="left:${pct(t, total)}"></i>`).join('');
  const labels = ticks.map((t) => `<span style="left:${pct(t, total)}">${ms(t)}</span>`).join('');
  return (
    `<div class="timeline"><div class="grid">${grid}</div>` +
    `<div class="row axis"><div class="label">from the run's start</div><div class="track">${labels}</div></div>` +
    `${rows.map((r) => rowOf(r, total)).join('')}</div>`
  );
}

function rowOf(row: TimelineRow, total: number): string {
  const { start, end } = row.span;
  let track = '';
  if (start !== undefined && end !== undefined && end > start)
    track += `<span class="span ${row.status}" style="${place(start, end, total)}" title="${row.status}, ${ms(end - start)}"></span>`;
  else if (start !== undefined || end !== undefined)
    track += `<span class="mark ${row.status}" style="left:${pct(start ?? end ?? 0, total)}" title="${row.status}"></span>`;
  track += row.segments.map((s) => barOf(s, total)).join('');
  const label = `<span class="dot ${row.status}"></span>${escapeHtml(row.label)} <small>${escapeHtml(row.note)}</small>`;
  return (
    `<div class="row ${row.kind}"><div class="label" style="padding-left:${0.3 + row.depth * 1.1}em" title="${escapeHtml(`${row.label} ${row.note}`)}">${label}</div>` +
    `<div class="track">${track}</div></div>`
  );
}

function barOf(segment: Segment, total: number): string {
  return `<span class="bar ${segment.kind} ${segment.outcome}" style="${place(segment.start, segment.end, total)}" title="${escapeHtml(segment.title)}"></span>`;
}

function chainDetails(chain: DrawnChain, index: number): string {
  const head = chain.rows[0];
  if (!head) return '';
  return (
    `<section class="chain" id="chain-${index}"><h3><span class="dot ${head.status}"></span>${escapeHtml(head.label)} ` +
    `<small>${escapeHtml(head.note)} · ${head.status.replace('_', ' ')}</small></h3>${chain.details}</section>`
  );
}

function place(start: number, end: number, total: number): string {
  return `left:${pct(start, total)};width:${pct(Math.max(0, end - start), total)}`;
}

function pct(t: number, total: number): string {
  return `${((Math.max(0, t) / total) * 100).toFixed(3)}%`;
}

/** Round tick steps (1, 2 or 5 times a power of ten, in ms), about eight of them over the run. */
export function ticksOf(total: number): number[] {
  const rough = total / 8;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? power * 10;
  const ticks: number[] = [];
  for (let t = 0; t <= total; t += step) ticks.push(t);
  return ticks;
}
