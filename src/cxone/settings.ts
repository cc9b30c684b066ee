import type { Environment } from '../host.js';

/** Connection flags of SPEC 4; each has an environment variable, and the flag wins. */
export interface ConnectionFlags {
  tenant?: string | undefined;
  baseUrl?: string | undefined;
  tokenUrl?: string | undefined;
  issuer?: string | undefined;
  scope?: string | undefined;
  executePath?: string | undefined;
  authMethod?: AuthMethod | undefined;
}

export type AuthMethod = 'body' | 'basic';
export type Grant = 'client_credentials' | 'password';

/** Everything the client needs, resolved once: only the discoverable URLs may be missing. */
export interface ConnectionSettings {
  /** API base, e.g. `https://us-01.api.nicecxone.com`. Discovered from `issuer` when absent. */
  baseUrl?: string | undefined;
  /** OAuth2 token URL. Discovered from `issuer` when absent. */
  tokenUrl?: string | undefined;
  /** Issuer for `/.well-known/openid-configuration` and `cxone-configuration`. */
  issuer?: string | undefined;
  clientId: string;
  clientSecret: string;
  /** `client_credentials` (default) or CXone's access-key `password` grant. */
  grant: Grant;
  /** Access key id / secret, sent as username / password with the `password` grant. */
  accessKeyId?: string | undefined;
  accessKeySecret?: string | undefined;
  /** How the client credentials reach the token URL with `client_credentials`. Default `body`. */
  authMethod: AuthMethod;
  scope: string;
  /** Path of the execute endpoint with `{actionId}`. */
  executePath: string;
}

export const DEFAULT_SCOPE = 'integration:data-actions:execute integration:data-actions:read';
export const DEFAULT_EXECUTE_PATH = '/api/v2/integration/data-actions/{actionId}/execute';

/** A missing or malformed setting; the message names the flag or variable to set. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Applies SPEC 4's precedence (flag over environment) and checks that a run can start. */
export function resolveConnection(flags: ConnectionFlags, env: Environment): ConnectionSettings {
  const pick = (flag: string | undefined, name: string) => nonEmpty(flag) ?? nonEmpty(env[name]);
  const tenant = pick(flags.tenant, 'CXONE_TENANT');
  const issuer = url(pick(flags.issuer, 'CXONE_ISSUER'), '--issuer / CXONE_ISSUER');
  const tenantBase = tenant ? `https://${tenantHost(tenant)}.api.nicecxone.com` : undefined;
  const baseUrl = url(pick(flags.baseUrl, 'CXONE_BASE_URL'), '--base-url / CXONE_BASE_URL') ?? tenantBase;
  const tokenUrl =
    url(pick(flags.tokenUrl, 'CXONE_TOKEN_URL'), '--token-url / CXONE_TOKEN_URL') ??
    (tenantBase ? `${tenantBase}/oauth/token` : undefined);

  if (!baseUrl && !issuer)
    throw new ConfigError(
      'no CXone API to talk to: set CXONE_BASE_URL (or --base-url), CXONE_TENANT (or --tenant), or CXONE_ISSUER (or --issuer); or use --sim for the built-in simulator',
    );
  if (!tokenUrl && !issuer)
    throw new ConfigError(
      'no token URL: set CXONE_TOKEN_URL (or --token-url), CXONE_TENANT (or --tenant), or CXONE_ISSUER (or --issuer)',
    );

  const grantName = nonEmpty(env.CXONE_GRANT) ?? 'client_credentials';
  if (grantName !== 'client_credentials' && grantName !== 'password')
    throw new ConfigError(
      `CXONE_GRANT is ${JSON.stringify(grantName)}; use client_credentials (default) or password (CXone access keys)`,
    );
  const missing = ['CXONE_CLIENT_ID', 'CXONE_CLIENT_SECRET'];
  if (grantName === 'password') missing.push('CXONE_ACCESS_KEY_ID', 'CXONE_ACCESS_KEY_SECRET');
  const unset = missing.filter((name) => !nonEmpty(env[name]));
  if (unset.length)
    throw new ConfigError(
      `missing credentials: set ${unset.join(' and ')} in the environment${grantName === 'password' ? ' (CXONE_GRANT=password)' : ''}; the secret is never taken as a flag`,
    );

  const executePath = pick(flags.executePath, 'CXONE_EXECUTE_PATH') ?? DEFAULT_EXECUTE_PATH;
  if (!executePath.includes('{actionId}'))
    throw new ConfigError(
      `the execute path ${JSON.stringify(executePath)} has no {actionId} placeholder (--execute-path / CXONE_EXECUTE_PATH)`,
    );

  return {
    baseUrl,
    tokenUrl,
    issuer,
    clientId: env.CXONE_CLIENT_ID as string,
    clientSecret: env.CXONE_CLIENT_SECRET as string,
    grant: grantName,
    accessKeyId: nonEmpty(env.CXONE_ACCESS_KEY_ID),
    accessKeySecret: nonEmpty(env.CXONE_ACCESS_KEY_SECRET),
    // CXone's access-key grant authenticates the app with HTTP Basic (SPEC 5).
    authMethod: grantName === 'password' ? 'basic' : (flags.authMethod ?? 'body'),
    scope: pick(flags.scope, 'CXONE_SCOPE') ?? DEFAULT_SCOPE,
    executePath: executePath.startsWith('/') ? executePath : `/${executePath}`,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function tenantHost(tenant: string): string {
  if (!/^[A-Za-z0-9-]+$/.test(tenant))
    throw new ConfigError(
      `tenant ${JSON.stringify(tenant)} is not a host name part such as us-01 (--tenant / CXONE_TENANT)`,
    );
  return tenant.toLowerCase();
}

function url(value: string | undefined, where: string): string | undefined {
  if (value === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(
      `${where}: ${JSON.stringify(value)} is not a URL; expected e.g. https://us-01.api.nicecxone.com`,
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new ConfigError(`${where}: ${JSON.stringify(value)} must be an http(s) URL`);
  // Paths are appended to these URLs, so a query or fragment would end up before the path.
  if (parsed.search || parsed.hash || value.includes('?') || value.includes('#'))
    throw new ConfigError(
      `${where}: ${JSON.stringify(`${parsed.origin}${parsed.pathname}`)}… has a ${parsed.hash || value.includes('#') ? 'fragment (#…)' : 'query (?…)'}; give the URL without it`,
    );
  if (parsed.username || parsed.password)
    throw new ConfigError(
      `${where}: ${parsed.origin} carries credentials in the URL; remove them and set CXONE_CLIENT_ID and CXONE_CLIENT_SECRET in the environment`,
    );
  return value.replace(/\/+$/, '');
}
