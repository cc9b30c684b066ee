import { formatDiagnosticsText } from '../../report/diagnostics.js';
import { neutralize } from '../../report/neutralize.js';
import { EXIT } from '../exit-codes.js';
import type { CommandContext } from '../context.js';
import type { Shard } from '../shard.js';
import { validateShard } from '../shard-selection.js';

export interface ListOptions {
  json: boolean;
  /** List only this shard of the files (SPEC 8). */
  shard?: Shard;
  /** Follow symbolic links that lead outside the given paths (`--follow-symlinks`). Default false. */
  followSymlinks?: boolean;
}

/**
 * One row per valid chain; invalid files are reported on stderr and left out (SPEC 4: exit 0).
 * `call_only` chains are listed and marked (SPEC 3.3): a matrix that runs files one by one leaves
 * them out (`run` would only say there is nothing to run).
 */
export async function listCommand(paths: string[], options: ListOptions, ctx: CommandContext): Promise<number> {
  const result = await validateShard(paths, options.shard, {
    cwd: ctx.cwd,
    followOutside: options.followSymlinks === true,
  });
  // A folder with no chain files yet lists nothing (exit 0), as `ls` of an empty folder does; a
  // matrix fed by it then has no jobs. A path that is missing or unreadable is still exit 2.
  if (result.diagnostics.some((d) => d.code.startsWith('path.') && d.code !== 'path.no_chains')) {
    ctx.stderr.write(formatDiagnosticsText(result.diagnostics, { style: ctx.errStyle }));
    return EXIT.invalid;
  }
  const rows = result.chains.map((c) => ({
    file: c.file,
    chain_id: c.chainId,
    revision: c.revision ?? null,
    steps: c.steps,
    description: c.description ?? null,
    call_only: c.callOnly,
  }));
  if (options.json) {
    // One line, so `echo "chains=$(cxchain list --json)" >> "$GITHUB_OUTPUT"` feeds a matrix as is.
    ctx.stdout.write(`${JSON.stringify(rows)}\n`);
  } else {
    const width = Math.max(8, ...rows.map((r) => r.chain_id.length));
    ctx.stdout.write(`${'CHAIN_ID'.padEnd(width)}  REV  STEPS  FILE\n`);
    // A file name is text from the file system: a newline in it must not start a line of its own.
    for (const r of rows)
      ctx.stdout.write(
        `${r.chain_id.padEnd(width)}  ${String(r.revision ?? '-').padStart(3)}  ${String(r.steps).padStart(5)}  ${neutralize(r.file)}${r.call_only ? `  ${ctx.style.dim('(call_only)')}` : ''}\n`,
      );
  }
  const invalid = new Set(result.diagnostics.filter((d) => d.code !== 'path.no_chains').map((d) => d.file));
  if (invalid.size > 0)
    ctx.stderr.write(
      `${invalid.size} invalid file${invalid.size === 1 ? '' : 's'} left out (see \`cxchain validate\`): ${[...invalid].map(neutralize).join(', ')}\n`,
    );
  return EXIT.ok;
}
