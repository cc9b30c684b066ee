import { createClient, resolveConnection, ConfigError, type ConnectionFlags, type RateLimit } from '../cxone/index.js';
import type { DataActionClient } from '../cxone/types.js';
import { SECRET_ENV_PREFIX } from '../engine/index.js';
import type { Environment } from '../host.js';
import { createRedactor, isTooShortToRedact, MIN_SECRET_LENGTH, type Redactor } from '../report/redact.js';
import { parseRateLimit } from '../sim/rate-limit.js';
import { UsageError } from './exit-codes.js';

export interface ConnectionOptions extends ConnectionFlags {
  sim: boolean;
  /** `--rate-limit N/s|N/m`: the tenant's budget, shared by every chain of the run. */
  rateLimit?: string | undefined;
  /**
   * How many runs share that budget at once: N under `--shard I/N` (SPEC 4), each taking 1/N.
   * Default 1.
   */
  rateLimitShares?: number | undefined;
}

export interface ConnectionContext {
  env: Environment;
  /** A warning for a person (stderr). */
  warn(line: string): void;
  /** A fact a person should know before the run, not a warning (stderr). */
  note(line: string): void;
  /** A workflow command for the GitHub runner, which reads stderr too. */
  command(line: string): void;
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

/** The variables whose values are secrets, by name. */
function secretVariables(env: NodeJS.ProcessEnv): [string, string][] {
  return Object.entries(env).filter(
    (entry): entry is [string, string] =>
      entry[1] !== undefined &&
      entry[1] !== '' &&
      (entry[0] === 'CXONE_CLIENT_SECRET' ||
        entry[0] === 'CXONE_ACCESS_KEY_SECRET' ||
        entry[0].startsWith(SECRET_ENV_PREFIX)),
  );
}

/** The client for `run` and `watch`: against the embedded simulator with `--sim`, else the tenant. */
export async function openConnection(options: ConnectionOptions, ctx: ConnectionContext): Promise<Connection> {
  let rateLimit: RateLimit | undefined;
  try {
    rateLimit = options.rateLimit ? parseRateLimit(options.rateLimit) : undefined;
  } catch (error) {
    throw new UsageError(`--rate-limit: ${(error as Error).message}`);
  }
  const shares = options.rateLimitShares ?? 1;
  if (rateLimit && shares > 1) {
    const mine = shareOf(rateLimit, shares);
    ctx.note(`rate limit ${formatRate(rateLimit)} shared by ${shares} shards: ${formatRate(mine)} here`);
    rateLimit = mine;
  }
  // Every secret is known before any output; tokens join the moment the client obtains them.
  const secrets = secretVariables(ctx.env);
  for (const [name, value] of secrets)
    if (isTooShortToRedact(value))
      ctx.warn(
        `${name} is shorter than ${MIN_SECRET_LENGTH} characters: cxchain cannot redact so short a value from output safely; use a longer secret`,
      );
  const redactor = createRedactor(secrets.map(([, value]) => value));
  const mask = ctx.env.GITHUB_ACTIONS === 'true';
  // The simulator and the GitHub escaping are loaded only when used (issue 14: start-up).
  const escapeData = mask ? (await import('../report/github.js')).escapeData : undefined;
  const sim = options.sim ? await (await import('../sim/index.js')).createSimulator({ port: 0 }) : undefined;
  let client: DataActionClient;
  let target: string;
  try {
    const env = sim ? { ...SIM_CREDENTIALS, ...ctx.env } : ctx.env;
    const flags: ConnectionFlags = sim
      ? { ...options, baseUrl: sim.url, tokenUrl: sim.tokenUrl, tenant: undefined, issuer: undefined }
      : options;
    const settings = resolveConnection(flags, env);
    target = sim ? `the built-in simulator at ${sim.url}` : (settings.baseUrl ?? settings.issuer ?? 'CXone');
    // HTTP Basic sends `id:secret` in base64, whose characters depend on what stands before the secret.
    redactor.add(settings.clientSecret, `${settings.clientId}:${settings.clientSecret}`);
    if (settings.accessKeySecret)
      redactor.add(settings.accessKeySecret, `${settings.accessKeyId ?? ''}:${settings.accessKeySecret}`);
    client = createClient(settings, {
      rateLimit,
      onWarning: ctx.warn,
      scrub: redactor.text,
      onToken: (token: string) => {
        redactor.add(token);
        // GitHub masks a value from the moment it sees this command (SPEC 8). The runner reads
        // commands on stderr as well, which keeps stdout pure data for --renderer json.
        // Escaped as workflow command data, so the runner masks exactly the token (a `%` in it included).
        if (escapeData) ctx.command(`::add-mask::${escapeData(token)}`);
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

/**
 * One shard's part of the tenant's budget: a whole number of requests per window, rounded down so
 * the shards together never exceed it; below one request per window, the window grows instead.
 */
function shareOf(rate: RateLimit, shares: number): RateLimit {
  if (rate.limit >= shares) return { limit: Math.floor(rate.limit / shares), windowMs: rate.windowMs };
  return { limit: 1, windowMs: Math.ceil((rate.windowMs * shares) / rate.limit) };
}

/** `100/m`, `50/s`, or `1 per 240 s`. */
function formatRate(rate: RateLimit): string {
  if (rate.windowMs === 60_000) return `${rate.limit}/m`;
  if (rate.windowMs === 1000) return `${rate.limit}/s`;
  return `${rate.limit} per ${+(rate.windowMs / 1000).toFixed(1)} s`;
}
