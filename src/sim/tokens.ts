import { randomBytes, randomUUID } from 'node:crypto';

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
}

/** The simulator's memory of the tokens it issued: only those pass on execute. */
export interface TokenStore {
  issue(claims: { sub: string; scope: string }): IssuedToken;
  isValid(token: string, now: number): boolean;
  /** Every token issued so far fails from now on. */
  revokeAll(): void;
  /** Lifts the revocations (tokens themselves stay valid until they expire). */
  reset(): void;
}

export interface TokenStoreOptions {
  issuer: string;
  tenantId: string;
  ttlSeconds: number;
}

/** Above this many tokens, expired ones are dropped when the next is issued. */
const PRUNE_ABOVE = 1000;

export function createTokenStore({ issuer, tenantId, ttlSeconds }: TokenStoreOptions): TokenStore {
  const tokens = new Map<string, { serial: number; expiresAt: number }>();
  let serial = 0;
  // Revocation by serial number, so `reset` can lift it without keeping a revoked list.
  let revokedThrough = 0;
  return {
    issue({ sub, scope }) {
      const now = Date.now();
      const expiresAt = now + ttlSeconds * 1000;
      const header = { alg: 'none', typ: 'JWT' };
      const payload = {
        iss: issuer,
        sub,
        scope,
        tenantId,
        iat: Math.floor(now / 1000),
        exp: Math.floor(expiresAt / 1000),
        jti: randomUUID(),
      };
      const accessToken = `${encode(header)}.${encode(payload)}.${randomBytes(16).toString('base64url')}`;
      if (tokens.size > PRUNE_ABOVE) prune(tokens, now);
      tokens.set(accessToken, { serial: ++serial, expiresAt });
      return { accessToken, expiresIn: ttlSeconds };
    },
    isValid(token, now) {
      const entry = tokens.get(token);
      return entry !== undefined && entry.serial > revokedThrough && entry.expiresAt > now;
    },
    revokeAll() {
      revokedThrough = serial;
    },
    reset() {
      revokedThrough = 0;
    },
  };
}

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function prune(tokens: Map<string, { expiresAt: number }>, now: number): void {
  for (const [token, { expiresAt }] of tokens) if (expiresAt <= now) tokens.delete(token);
}
