import { PLAIN, type TextStyle } from './text-style.js';
import { readFileSync } from 'node:fs';
import { neutralize } from './neutralize.js';
import type { Diagnostic } from '../chain/diagnostics.js';

export interface TextFormatOptions {
  /** Colour for severities and hints; identity functions when off. */
  style?: TextStyle;
  /** Reads a file's text for the excerpt; default reads from disk. Missing text means no excerpt. */
  readText?: (file: string) => string | undefined;
  /** End with `N problems in M files`. Default true; off where the caller counts more than these. */
  summary?: boolean;
}

/** What the formatter shows: a diagnostic, or a problem of another stage (plan's) in its shape. */
export type ShownProblem = Omit<Diagnostic, 'code'> & { code: string };

/** `file:line:col  error  message [code]`, the source line and a caret under the column, then the hint. */
export function formatDiagnosticsText(diagnostics: readonly ShownProblem[], options: TextFormatOptions = {}): string {
  const style = options.style ?? PLAIN;
  const texts = new Map<string, string[] | undefined>();
  const lineOf = (file: string, line: number): string | undefined => {
    if (!texts.has(file)) texts.set(file, (options.readText ?? readFileQuietly)(file)?.split(/\r?\n/));
    return texts.get(file)?.[line - 1];
  };
  // File names, messages and source lines come from files: escaped, so none can start a line.
  const blocks = diagnostics.map((d) => {
    const where = neutralize(d.line ? `${d.file}:${d.line}:${d.column ?? 1}` : d.file);
    const severity = d.severity === 'warning' ? style.yellow('warning') : style.red('error');
    const lines = [`${style.bold(where)}  ${severity}  ${neutralize(d.message)} ${style.dim(`[${d.code}]`)}`];
    const source = d.line ? lineOf(d.file, d.line) : undefined;
    if (d.line && source !== undefined && source.length <= 400) {
      const gutter = String(d.line).padStart(5);
      const shown = (text: string) => neutralize(text.replace(/\t/g, '→'));
      const caretPad = [...shown(source.slice(0, Math.max(0, (d.column ?? 1) - 1)))].map(() => ' ').join('');
      lines.push(style.dim(`${gutter} | `) + shown(source));
      lines.push(`${' '.repeat(gutter.length)}${style.dim(' | ')}${caretPad}${style.red('^')}`);
    }
    // A hint of only whitespace would print a bare `fix:` that tells a person nothing.
    if (d.hint?.trim()) lines.push(`${style.cyan('  fix:')} ${neutralize(d.hint)}`);
    return lines.join('\n');
  });
  if (options.summary === false) return `${blocks.join('\n\n')}\n`;
  const files = new Set(diagnostics.map((d) => d.file)).size;
  const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
  const errors = diagnostics.length - warnings;
  const counts = [
    ...(errors || !warnings ? [`${errors} problem${errors === 1 ? '' : 's'}`] : []),
    ...(warnings ? [`${warnings} warning${warnings === 1 ? '' : 's'}`] : []),
  ].join(' and ');
  const summary = `${counts} in ${files} file${files === 1 ? '' : 's'}`;
  return `${blocks.join('\n\n')}\n\n${summary}\n`;
}

function readFileQuietly(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
