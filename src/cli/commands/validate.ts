import { validateFiles } from '../../chain/index.js';
import { formatDiagnosticsGithub, formatDiagnosticsText } from '../../report/diagnostics.js';
import { EXIT } from '../exit-codes.js';
import type { CommandContext } from '../context.js';

export type ValidateFormat = 'text' | 'json' | 'github';

export interface ValidateOptions {
  format: ValidateFormat;
}

export async function validateCommand(paths: string[], options: ValidateOptions, ctx: CommandContext): Promise<number> {
  const result = await validateFiles(paths, { cwd: ctx.cwd });
  const valid = result.diagnostics.length === 0;
  if (options.format === 'json') {
    const files = result.files.map((file) => ({ file, valid: !result.diagnostics.some((d) => d.file === file) }));
    ctx.stdout.write(`${JSON.stringify({ valid, files, chains: result.chains.length, diagnostics: result.diagnostics }, null, 2)}\n`);
  } else if (options.format === 'github') {
    ctx.stdout.write(formatDiagnosticsGithub(result.diagnostics));
    if (valid) ctx.stdout.write(`${result.chains.length} chain${result.chains.length === 1 ? '' : 's'} valid\n`);
  } else if (valid) {
    ctx.stdout.write(`${ctx.style.green('✔')} ${result.chains.length} chain${result.chains.length === 1 ? '' : 's'} valid (${result.files.length} file${result.files.length === 1 ? '' : 's'})\n`);
  } else {
    ctx.stderr.write(formatDiagnosticsText(result.diagnostics, { style: ctx.errStyle }));
  }
  return valid ? EXIT.ok : EXIT.invalid;
}
