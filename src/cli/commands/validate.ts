import { compareDiagnostics } from '../../chain/index.js';
import { formatDiagnosticsText } from '../../report/diagnostics.js';
import { isGithubActions } from '../../report/github-env.js';
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
  // Warnings never make a file invalid (exit 0); they are shown beside the errors, in file order.
  const valid = result.diagnostics.length === 0;
  const all = [...result.diagnostics, ...result.warnings].sort(compareDiagnostics);
  const place = { cwd: ctx.cwd, env: ctx.env };
  // The annotations are loaded only where they are printed: `--format github` or in a workflow.
  const { formatProblemAnnotations } =
    options.format === 'github' || isGithubActions(ctx.env)
      ? await import('../../report/github.js')
      : { formatProblemAnnotations: undefined };
  const count = `${result.chains.length} chain${result.chains.length === 1 ? '' : 's'} valid`;
  if (options.format === 'json') {
    // Valid means it loaded as a chain: a file on a cycle, or using an invalid chain, has no
    // diagnostic of its own at every place but is not valid.
    const validFiles = new Set(result.validFiles ?? result.chains.map((c) => c.file));
    const files = result.files.map((file) => ({ file, valid: validFiles.has(file) }));
    const shard = options.shard ? { shard: formatShard(options.shard) } : {};
    const { diagnostics, warnings } = result;
    ctx.stdout.write(
      `${JSON.stringify({ valid, ...shard, files, chains: result.chains.length, diagnostics, warnings }, null, 2)}\n`,
    );
    // stdout is JSON; the runner reads workflow commands on stderr as well.
    if (formatProblemAnnotations) ctx.stderr.write(formatProblemAnnotations(all, place));
  } else if (options.format === 'github') {
    ctx.stdout.write(formatProblemAnnotations?.(all, place) ?? '');
    if (valid) ctx.stdout.write(`${count}\n`);
  } else if (valid) {
    if (all.length) ctx.stdout.write(`${formatDiagnosticsText(all, { style: ctx.style })}\n`);
    ctx.stdout.write(
      `${ctx.style.green('✔')} ${count} (${result.files.length} file${result.files.length === 1 ? '' : 's'}${options.shard ? `, shard ${formatShard(options.shard)}` : ''})\n`,
    );
    if (formatProblemAnnotations) ctx.stdout.write(formatProblemAnnotations(all, place));
  } else {
    // The diagnostics are validate's product (SPEC 4), so they go to stdout like a clean result.
    ctx.stdout.write(formatDiagnosticsText(all, { style: ctx.style }));
    // In a workflow the readable text stays in the log and each problem also lands on the PR diff.
    if (formatProblemAnnotations) ctx.stdout.write(formatProblemAnnotations(all, place));
  }
  return valid ? EXIT.ok : EXIT.invalid;
}
