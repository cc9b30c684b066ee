import { createSimulator, loadSimActions, parseRateLimit } from '../../sim/index.js';
import type { CommandContext } from '../context.js';
import { EXIT, UsageError } from '../exit-codes.js';

export interface SimOptions {
  port: number;
  actions?: string;
  rateLimit?: string;
}

/** Runs the simulator until SIGINT/SIGTERM, then closes it cleanly. */
export async function simCommand(options: SimOptions, ctx: CommandContext): Promise<number> {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)
    throw new UsageError(`--port must be 0 to 65535`);
  let actions;
  let rateLimit;
  try {
    actions = options.actions ? await loadSimActions(options.actions) : undefined;
    rateLimit = options.rateLimit ? parseRateLimit(options.rateLimit) : undefined;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  let sim;
  try {
    sim = await createSimulator({
      port: options.port,
      ...(actions ? { actions } : {}),
      ...(rateLimit ? { rateLimit } : {}),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES')
      throw new UsageError(
        `cannot listen on 127.0.0.1:${options.port}: ${code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied'}; pick another --port, or 0 for a free one`,
      );
    throw error;
  }
  ctx.stdout.write(`${sim.url}\n`);
  ctx.stderr.write(`CXone simulator listening on ${sim.url} (token URL ${sim.tokenUrl}); Ctrl-C to stop\n`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  await sim.close();
  return signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm;
}
