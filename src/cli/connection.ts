import { createClient, resolveConnection, ConfigError, type ConnectionFlags } from '../cxone/index.js';
import type { DataActionClient } from '../cxone/types.js';
import { SECRET_ENV_PREFIX } from '../engine/index.js';
import { createRedactor, type Redactor } from '../report/redact.js';
import { createSimulator, parseRateLimit } from '../sim/index.js';
import type { CommandContext } from './context.js';
import { UsageError } from './exit-codes.js';

export interface ConnectionOptions extends ConnectionFlags {
  sim: boolean;
  /** `--rate-limit N/s|N/m`: shared by every chain of the run. */
  rateLimit?: string | undefined;
}

export interface Connection {
  client: DataActionClient;
  /** Redacts every known secret, tokens obtained later included. */
  redactor: Redactor;
  /** Where requests go, for headers: the simulator's URL or the tenant's. */
  target: string;
  close(): Promise<void>;
}

/** Credentials the embedded simulator accepts when none are set (SPEC 4 `--sim`). */
const SIM_CREDENTIALS = { CXONE_CLIENT_ID: 'cxchain-sim', CXONE_CLIENT_SECRET: 'cxchain-sim-secret' };

/** The client for `run` and `watch`: against the embedded simulator with `--sim`, else the tenant. */
export async function openConnection(options: ConnectionOptions, ctx: CommandContext): Promise<Connection> {
  let rateLimit;
  try {
    rateLimit = options.rateLimit ? parseRateLimit(options.rateLimit) : undefined;
  } catch (error) {
    throw new UsageError(`--rate-limit: ${(error as Error).message}`);
  }
  // Every secret is known before any output; tokens join the moment the client obtains them.
  const redactor = createRedactor([
    ctx.env.CXONE_CLIENT_SECRET,
    ctx.env.CXONE_ACCESS_KEY_SECRET,
    ...secretValues(ctx.env),
  ]);
  const mask = ctx.env.GITHUB_ACTIONS === 'true';
  const sim = options.sim ? await createSimulator({ port: 0 }) : undefined;
  let client: DataActionClient;
  let target: string;
  try {
    const env = sim ? { ...SIM_CREDENTIALS, ...ctx.env } : ctx.env;
    const flags: ConnectionFlags = sim
      ? { ...options, baseUrl: sim.url, tokenUrl: sim.tokenUrl, tenant: undefined, issuer: undefined }
      : options;
    const settings = resolveConnection(flags, env);
    target = sim ? `the built-in simulator at ${sim.url}` : (settings.baseUrl ?? settings.issuer ?? 'CXone');
    redactor.add(settings.clientSecret, settings.accessKeySecret);
    client = createClient(settings, {
      rateLimit,
      onToken: (token: string) => {
        redactor.add(token);
        // GitHub masks a value from the moment it sees this command (SPEC 8). The runner reads
        // commands on stderr as well, which keeps stdout pure data for --renderer json.
        if (mask) ctx.stderr.write(`::add-mask::${token}\n`);
      },
    });
  } catch (error) {
    await sim?.close();
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  return {
    client,
    redactor,
    target,
    async close() {
      await client.close();
      await sim?.close();
    },
  };
}

function secretValues(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([name]) => name.startsWith(SECRET_ENV_PREFIX))
    .map(([, value]) => value ?? '');
}
