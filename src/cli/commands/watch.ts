import type { ChainModel } from '../../chain/index.js';
import { runChain, type ChainEvent } from '../../engine/index.js';
import { createAuditWriter } from '../../report/audit.js';
import { formatDiagnosticsText } from '../../report/diagnostics.js';
import { startWatchSession, type WatchEvent } from '../../watch/index.js';
import { openConnection, type ConnectionOptions } from '../connection.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { inputsForChains, parseInputFlags } from '../inputs.js';
import { createListrProgress, summaryLine } from '../render/listr-progress.js';
import { isTTY } from './run.js';

export interface WatchOptions extends ConnectionOptions {
  input: string[];
  runOnStart: boolean;
  audit?: string;
  auditPayloads: boolean;
  renderer: 'default' | 'simple';
}

/** `cxchain watch` (SPEC 7): runs until `q`, Ctrl-C or SIGTERM; every run is cancelled cleanly. */
export async function watchCommand(paths: string[], options: WatchOptions, ctx: CommandContext): Promise<number> {
  const given = parseInputFlags(options.input);
  const connection = await openConnection(options, ctx);
  const { client, redactor } = connection;
  const audit = options.audit ? createAuditWriter(options.audit, { payloads: options.auditPayloads, redactor }) : undefined;
  const { style } = ctx;
  const say = (line: string) => ctx.stdout.write(`${redactor.text(line)}\n`);

  const run = async (chain: ChainModel, signal: AbortSignal) => {
    let inputs: Record<string, unknown> = {};
    try {
      inputs = inputsForChains([chain], Object.fromEntries(Object.entries(given).filter(([name]) => chain.inputs.some((i) => i.name === name)))).get(chain) ?? {};
    } catch (error) {
      say(`${style.red('✖')} ${(error as Error).message}`);
    }
    const progress = createListrProgress([chain], { renderer: options.renderer, isTTY: isTTY(ctx.stdout), style, redactor });
    const onEvent = (event: ChainEvent) => {
      audit?.write(event);
      progress.onEvent(event);
    };
    const result = await runChain(chain, { client, inputs, signal, onEvent, env: ctx.env, onSecret: (v) => redactor.add(v) });
    await progress.done();
    return result;
  };

  const onEvent = (event: WatchEvent) => {
    switch (event.type) {
      case 'ready':
        if (event.diagnostics.length) ctx.stdout.write(formatDiagnosticsText(event.diagnostics, { style }));
        say(`${style.bold('watching')} ${paths.join(', ') || 'chains'}: ${event.valid} valid chain${event.valid === 1 ? '' : 's'} of ${event.files.length} file${event.files.length === 1 ? '' : 's'}, running against ${connection.target}`);
        say(style.dim(`save a chain file to run it; ${interactive ? 'press q to quit, ' : ''}Ctrl-C to stop`));
        break;
      case 'invalid':
        say(`\n${style.red('✖')} ${event.file} is invalid; fix it and save again`);
        ctx.stdout.write(formatDiagnosticsText(event.diagnostics, { style }));
        break;
      case 'run_start':
        say(`\n${style.cyan('▶')} ${event.chain.chainId} ${style.dim(`(${event.chain.file})`)}`);
        break;
      case 'run_end':
        say(`${event.cancelled ? style.yellow('■ cancelled') : '●'} ${event.chain.chainId}: ${summaryLine(event.result, style)}`);
        break;
      case 'deleted':
        say(`\n${style.yellow('−')} ${event.file} was deleted`);
        break;
    }
  };

  const interactive = process.stdin.isTTY === true;
  const session = await startWatchSession({ paths, cwd: ctx.cwd, runOnStart: options.runOnStart, run, onEvent });
  const code = await new Promise<number>((resolve) => {
    process.once('SIGINT', () => resolve(EXIT.sigint));
    process.once('SIGTERM', () => resolve(EXIT.sigterm));
    if (interactive) {
      process.stdin.setRawMode(true);
      process.stdin.setEncoding('utf8').on('data', (key: string) => {
        if (key === 'q' || key === 'Q') resolve(EXIT.ok);
        else if (key === '\u0003') resolve(EXIT.sigint);
      });
    }
  });
  if (interactive) {
    process.stdin.setRawMode(false);
    process.stdin.pause();
  }
  await session.close();
  audit?.close();
  await connection.close();
  say(style.dim('stopped watching'));
  return code;
}
