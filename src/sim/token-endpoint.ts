import type { TokenStore } from './tokens.js';
import type { SimTokenRequest, SimulatorOptions } from './types.js';

export const DEFAULT_SCOPE = 'integration:data-actions:execute integration:data-actions:read';

export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
  record: Omit<SimTokenRequest, 'at'>;
}

export interface TokenRequestInput {
  contentType: string | undefined;
  authorization: string | undefined;
  body: string;
}

type Checks = Pick<SimulatorOptions, 'credentials' | 'accessKeys'>;

/** Answers `POST /oauth/token` (SPEC 5): client credentials in the body or as Basic, or the password grant with an access key. */
export function answerTokenRequest(input: TokenRequestInput, checks: Checks, store: TokenStore): TokenAnswer {
  const basic = parseBasic(input.authorization);
  const form = /^application\/x-www-form-urlencoded\b/i.test(input.contentType ?? '')
    ? new URLSearchParams(input.body)
    : undefined;
  const grantType = form?.get('grant_type') ?? '';
  const scope = form?.get('scope') ?? undefined;
  const username = form?.get('username') ?? undefined;
  const authMethod = basic ? 'basic' : 'body';
  const client = basic ?? { id: form?.get('client_id') ?? '', secrets: [form?.get('client_secret') ?? ''] };
  const record = (status: number): TokenAnswer['record'] => ({
    grantType,
    ...(client.id ? { clientId: client.id } : {}),
    authMethod,
    ...(scope !== undefined ? { scope } : {}),
    ...(username !== undefined ? { username } : {}),
    status,
  });
  const fail = (status: number, error: string, description: string): TokenAnswer => ({
    status,
    body: { error, error_description: description },
    record: record(status),
  });

  if (!form)
    return fail(
      400,
      'invalid_request',
      'The token request must be form-encoded (Content-Type: application/x-www-form-urlencoded)',
    );
  if (grantType !== 'client_credentials' && grantType !== 'password') {
    return fail(400, 'unsupported_grant_type', `grant_type must be client_credentials or password, got "${grantType}"`);
  }
  if (grantType === 'password' && !basic) {
    return fail(
      401,
      'invalid_client',
      'The password grant needs the client id and secret as HTTP Basic authentication',
    );
  }
  const clientProblem = checkPair(
    client.id,
    client.secrets,
    checks.credentials && [checks.credentials.clientId, checks.credentials.clientSecret],
    'client id',
    'client secret',
  );
  if (clientProblem) return fail(401, 'invalid_client', clientProblem);
  if (grantType === 'password') {
    const keys = checks.accessKeys && ([checks.accessKeys.accessKeyId, checks.accessKeys.accessKeySecret] as const);
    const keyProblem = checkPair(
      username ?? '',
      [form.get('password') ?? ''],
      keys,
      'access key id (username)',
      'access key secret (password)',
    );
    if (keyProblem) return fail(401, 'invalid_client', keyProblem);
  }
  const granted = scope ?? DEFAULT_SCOPE;
  const token = store.issue({ sub: client.id, scope: granted });
  return {
    status: 200,
    body: { access_token: token.accessToken, token_type: 'Bearer', expires_in: token.expiresIn, scope: granted },
    record: record(200),
  };
}

/** Says what is wrong with an id and secret without ever repeating the secret. */
function checkPair(
  id: string,
  secrets: string[],
  expected: readonly [string, string] | undefined,
  idName: string,
  secretName: string,
): string | undefined {
  if (!id || !secrets.some(Boolean)) return `Missing ${idName} or ${secretName}`;
  if (!expected) return undefined;
  if (id !== expected[0]) return `Unknown ${idName} "${id}"`;
  if (!secrets.includes(expected[1])) return `Wrong ${secretName} for ${idName} "${id}"`;
  return undefined;
}

/**
 * RFC 6749 2.3.1 form-encodes the id and secret before Basic encoding, but many clients do not;
 * the secret is accepted either way.
 */
function parseBasic(header: string | undefined): { id: string; secrets: string[] } | undefined {
  const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { id: '', secrets: [] };
  const id = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  return { id: formDecode(id), secrets: [...new Set([secret, formDecode(secret)])] };
}

function formDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}
