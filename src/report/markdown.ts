import type { LocatedProblem } from './github.js';

/** Small Markdown builders for GitHub job summaries: text from servers and files must not turn into markup. */

const HTML = /[&<>]/g;
const HTML_ENTITY: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * Text as it should read, whatever it holds: HTML is neutralised, characters that start emphasis,
 * links or table cells are backslash-escaped, and line breaks become spaces so a message stays in
 * its list item or cell. `keepCode` keeps `code spans` as they are (cxchain's messages quote keys
 * and expressions so): CommonMark reads no escape and no entity inside a span, so `on_failure`
 * escaped there would show its backslash, and `&&` would show as `&amp;&amp;`. A span cannot start
 * markup, so a server's backticks are kept too; a lone backtick is escaped.
 */
export function mdText(value: string, options: { keepCode?: boolean } = {}): string {
  const flat = value.replace(/\s*[\r\n]+\s*/g, ' ');
  if (!options.keepCode) return escapeText(flat);
  // Odd parts are the spans: `split` with a capture keeps what it split on.
  return flat
    .split(/(`[^`]+`)/)
    .map((part, i) => (i % 2 === 1 ? part : escapeText(part)))
    .join('');
}

function escapeText(text: string): string {
  return text.replace(HTML, (c) => HTML_ENTITY[c] ?? c).replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`);
}

/** An inline code span that survives backticks inside it and, in a table, `|`. */
export function mdCode(value: string): string {
  const flat = value.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A GitHub-flavoured table; cells must already be escaped. */
export function mdTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Milliseconds for a person, as the terminal output shows them. */
export function formatDuration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** A file position rendered as a link to it, when a linker is given. */
export function mdPlace(
  file: string,
  line: number | undefined,
  link?: (file: string, line: number) => string | undefined,
): string {
  const where = mdCode(line ? `${file}:${line}` : file);
  const url = line ? link?.(file, line) : undefined;
  return url ? `[${where}](${url})` : where;
}

/** Validation problems (and plan findings) as a list: place, message, code, fix. */
export function formatProblemsMarkdown(
  problems: readonly LocatedProblem[],
  link?: (file: string, line: number) => string | undefined,
): string {
  return problems
    .map((p) => {
      const fix = p.hint ? `\n  - fix: ${mdText(p.hint, { keepCode: true })}` : '';
      return `- ${p.severity === 'warning' ? '⚠️' : '❌'} ${mdPlace(p.file, p.line, link)} ${mdText(p.message, { keepCode: true })} (${mdCode(p.code)})${fix}`;
    })
    .join('\n');
}
