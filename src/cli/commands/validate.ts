import { formatDiagnosticsText } from '../../report/diagnostics.js';
import { formatProblemAnnotations, isGithubActions } from '../../report/github.js';
import { EXIT } from '../exit-codes.js';
import type { CommandContext } from '../context.js';
import { formatShard, type Shard } from '../shard.js';
import { validateShard } from '../shard-selection.js';

export type ValidateFormat = 'text' | 'json' | 'github';

export interface ValidateOptions {
  format: ValidateFormat;
  /** Validate only this shard of the files (SPEC 8). */
  shard?: Shard;
  /** Follow symbolic links that lead outside the given paths (`--follow-symlinks`). Default false. */
  followSymlinks?: boolean;
}

export async function validateCommand(paths: string[], options: ValidateOptions, ctx: CommandContext): Promise<number> {
  const result = await validateShard(paths, options.shard, {
    cwd: ctx.cwd,
    followOutside: options.followSymlinks === true,
  });
  const valid = result.diagnostics.length === 0;
  const place = { cwd: ctx.cwd, env: ctx.env };
  const count = `${result.chains.length} chain${result.chains.length === 1 ? '' : 's'} valid`;
  if (options.format === 'json') {
    const files = result.files.map((file) => ({ file, valid: !result.diagnostics.some((d) => d.file === file) }));
    const shard = options.shard ? { shard: formatShard(options.shard) } : {};
    ctx.stdout.write(
      `${JSON.stringify({ valid, ...shard, files, chains: result.chains.length, diagnostics: result.diagnostics }, null, 2)}\n`,
    );
    // stdout is JSON; the runner reads workflow commands on stderr as well.
    if (isGithubActions(ctx.env)) ctx.stderr.write(formatProblemAnnotations(result.diagnostics, place));
  } else if (options.format === 'github') {
    ctx.stdout.write(formatProblemAnnotations(result.diagnostics, place));
    if (valid) ctx.stdout.write(`${count}\n`);
  } else if (valid) {
    ctx.stdout.write(
      `${ctx.style.green('✔')} ${count} (${result.files.length} file${result.files.length === 1 ? '' : 's'}${options.shard ? `, shard ${formatShard(options.shard)}` : ''})\n`,
    );
  } else {
    // The diagnostics are validate's product (SPEC 4), so they go to stdout like a clean result.
    ctx.stdout.write(formatDiagnosticsText(result.diagnostics, { style: ctx.style }));
    // In a workflow the readable text stays in the log and each problem also lands on the PR diff.
    if (isGithubActions(ctx.env)) ctx.stdout.write(formatProblemAnnotations(result.diagnostics, place));
  }
  return valid ? EXIT.ok : EXIT.invalid;
}
