/**
 * One scripted answer of a simulated Data Action. Keys are snake_case because people write them
 * in YAML (`cxchain sim --actions FILE`).
 */
export interface SimActionSpec {
  /** HTTP status. Default 200. */
  status?: number;
  /**
   * Static JSON answer. Strings may hold `${{ payload.some.path }}`, `${{ payload }}` or
   * `${{ call }}` (1-based call number of this action since creation/reset). A string that is one
   * expression keeps the value's type; embedded expressions are interpolated as text; a missing
   * path gives null (whole string) or empty text (embedded). Without a body, an error status
   * answers `{ message, code, status, contextId }` and a success status answers an empty body.
   */
  body?: unknown;
  /** Wait before answering, in milliseconds. Default 0. */
  latency_ms?: number;
  /** Extra response headers, sent after (and so over) the defaults. */
  headers?: Record<string, string | number>;
  /** Sets `Retry-After`: a number is seconds, a string is sent as is (e.g. an HTTP date). */
  retry_after?: number | string;
  /**
   * Answers for the 1st, 2nd, … call since creation/reset. Entries stand alone: they do not
   * inherit the action's keys. Once used up, the action's own answer serves every later call.
   */
  sequence?: Array<Omit<SimActionSpec, 'sequence'>>;
  /** Read the request and never answer (until the client gives up or the simulator closes). */
  hang?: boolean;
  /** Read the request, then reset the connection without answering. */
  reset?: boolean;
  /** Send this text verbatim instead of JSON (`content_type` defaults to text/plain). */
  raw?: string;
  /** Content-Type of the answer. Default application/json, or text/plain with `raw`. */
  content_type?: string;
  /** Answer a JSON string of exactly this many bytes (at least 2), to test answer size limits. */
  body_bytes?: number;
}

export type SimActions = Record<string, SimActionSpec>;

/** At most `limit` execute requests in any `windowMs` (a sliding window over the tenant). */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

export interface SimulatorOptions {
  /** TCP port on 127.0.0.1. Default 0: a free port. */
  port?: number;
  /** Merged over the built-in actions (the same id replaces). */
  actions?: SimActions;
  /** Tenant limit over the execute endpoint. Default: none. */
  rateLimit?: RateLimit;
  /** When set, only these are accepted; otherwise any non-empty id and secret. */
  credentials?: { clientId: string; clientSecret: string };
  /** When set, the password grant only accepts these; otherwise any non-empty pair. */
  accessKeys?: { accessKeyId: string; accessKeySecret: string };
  /** `expires_in` of issued tokens, in seconds (fractions allowed, for tests). Default 3600. */
  tokenTtlSeconds?: number;
  /** The access token's `tenantId` claim. Default 'sim-tenant'. */
  tenantId?: string;
}

/** One execute request as received. */
export interface SimRequest {
  actionId: string;
  method: string;
  path: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** Parsed JSON, the raw text when it is not JSON, null when empty. */
  body: unknown;
  /** `Date.now()` on arrival. */
  at: number;
  /** Status answered; 0 while pending, or when hung or reset. */
  status: number;
}

export interface SimTokenRequest {
  grantType: string;
  clientId?: string;
  authMethod: 'body' | 'basic';
  scope?: string;
  username?: string;
  at: number;
  status: number;
}

export interface Simulator {
  /** The API base, e.g. http://127.0.0.1:PORT. */
  url: string;
  /** `${url}/oauth/token`. */
  tokenUrl: string;
  /** Equal to `url`; serves the discovery documents. */
  issuer: string;
  /** Execute requests, in arrival order (including 401, 404 and 429 ones). */
  requests: SimRequest[];
  tokenRequests: SimTokenRequest[];
  /** Adds or replaces an action; its sequence starts again. Throws on an invalid spec. */
  setAction(id: string, spec: SimActionSpec): void;
  /** Clears requests, sequence positions, the rate-limit window and revocations; restores the actions given at creation. */
  reset(): void;
  /** Every token issued so far gets 401 on execute (until `reset`). */
  revokeTokens(): void;
  /** Closes the server and destroys open and hanging connections. */
  close(): Promise<void>;
}
