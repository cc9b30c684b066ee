import type { FailureKind } from './types.js';

/** What the hint may take into account, so it never suggests what the step already does (SPEC 5). */
export interface HintContext {
  idempotent?: boolean;
  /** Whether the request may have reached the server. */
  sent?: boolean;
}

/** The seed tutorial's error guide (SPEC 5): what to do about a failure, for a person. */
export function hintFor(kind: FailureKind, httpStatus?: number, context: HintContext = {}): string | undefined {
  switch (httpStatus) {
    case 401:
      return "check CXONE_CLIENT_ID / CXONE_CLIENT_SECRET, the granted scopes (integration:data-actions:execute) and that the token URL is in your tenant's region";
    case 403:
      return "the client's role lacks Data Action execute permission, or the action belongs to another environment";
    case 404:
      return 'use the exact system-generated action id from the Data Actions page (ids are case-sensitive)';
    case 429:
      return 'the tenant allows about 100–200 requests per minute: lower --rate-limit or --concurrency';
    case 500:
      return "check the action's execution logs in CXone; consider `on_failure: continue` for a non-critical step";
  }
  switch (kind) {
    case 'timeout':
      return context.idempotent
        ? "check the action's execution logs, or raise `timeout_seconds`"
        : "check the action's execution logs, raise `timeout_seconds`, or mark the step `idempotent: true` so timeouts are retried";
    case 'network':
      if (context.sent)
        return context.idempotent
          ? "the connection dropped after the request was sent, on every attempt: check the action's execution logs and the service behind it"
          : "the connection dropped after the request was sent, so it was not sent again (the action may have run): check the action's execution logs; if the action is safe to repeat, mark the step `idempotent: true`";
      return 'check the base URL, DNS and proxy settings, and that the host is reachable from here';
    case 'invalid_response':
      return 'the endpoint did not answer JSON: check the base URL and --execute-path';
    case 'global_timeout':
      return 'raise `global_timeout_seconds` (at most 900) or speed up the slow step';
    case 'auth':
      return 'check the credentials, the scopes and the token URL';
    default:
      return undefined;
  }
}

/**
 * Hints for a 2xx answer cxchain refuses to read (SPEC 5). The endpoint was right, so these point
 * at what the action returns, not at the base URL.
 */
export const ANSWER_HINTS = {
  tooDeep:
    "the action's answer nests deeper than cxchain reads (1,000 levels): check what the action's script or the service behind it returns, in the action's execution logs",
  notUtf8:
    "the action's answer must be UTF-8 JSON: check the encoding the action's script or the service behind it returns, in the action's execution logs",
  tooLarge:
    "have the action return less (filter or page the data in the action's script), or check its execution logs for a runaway answer",
} as const;
