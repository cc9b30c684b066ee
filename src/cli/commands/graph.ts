import { chainGraph, toDot, toMermaid } from '../../graph/index.js';
import { formatDiagnosticsText } from '../../report/diagnostics.js';
import { EXIT } from '../exit-codes.js';
import type { CommandContext } from '../context.js';
import { loadChainsShard } from '../shard-selection.js';

export type GraphFormat = 'mermaid' | 'dot' | 'svg';

export interface GraphOptions {
  format: GraphFormat;
  /** Follow symbolic links that lead outside the given paths (`--follow-symlinks`). Default false. */
  followSymlinks?: boolean;
}

/**
 * One picture of the chains given (issue 16): each chain a box of its steps in order, with its
 * failure paths, conditions, data references and, nested, the chains it uses. A `call_only` chain
 * is drawn inside the chains that use it, and on its own only when nothing else was given.
 */
export async function graphCommand(paths: string[], options: GraphOptions, ctx: CommandContext): Promise<number> {
  const result = await loadChainsShard(paths, undefined, {
    cwd: ctx.cwd,
    followOutside: options.followSymlinks === true,
  });
  if (result.diagnostics.length > 0) {
    ctx.stderr.write(formatDiagnosticsText(result.diagnostics, { style: ctx.errStyle }));
    ctx.stderr.write('nothing was drawn: fix the problems above first\n');
    return EXIT.invalid;
  }
  const topLevel = result.chains.filter((chain) => !chain.callOnly);
  const drawn = topLevel.length > 0 ? topLevel : result.chains;
  const graphs = drawn.map((chain, index) => chainGraph(chain, {}, `c${index}`));
  if (options.format === 'mermaid') ctx.stdout.write(toMermaid(graphs));
  else if (options.format === 'dot') ctx.stdout.write(toDot(graphs));
  else {
    const { dotToSvg } = await import('../../graph/svg.js');
    ctx.stdout.write(await dotToSvg(toDot(graphs)));
  }
  return EXIT.ok;
}
