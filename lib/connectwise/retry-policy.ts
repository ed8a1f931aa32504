/** Pure retry decisions for ConnectWise calls; the HTTP client asks this before every retry. */

export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly limit: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A `Retry-After` longer than this fails the call instead of sleeping through the run. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  limit: 5,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 120_000,
};

export interface RetryCandidate {
  /** 1 for the first retry. */
  readonly attemptCount: number;
  readonly method: string;
  /** True when repeating the request cannot create anything twice (GET/PUT/PATCH/DELETE, or a POST marked so). */
  readonly idempotent: boolean;
  readonly statusCode?: number;
  readonly errorCode?: string;
  readonly retryAfterMs?: number;
}

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
/** Errors after which the request may have reached ConnectWise (so only idempotent calls retry). */
const AMBIGUOUS_NETWORK_ERRORS = new Set(['ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE']);
/** Errors where nothing reached ConnectWise: safe to retry any method. */
const UNSENT_NETWORK_ERRORS = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ENOTFOUND']);

/**
 * Milliseconds to wait before the next attempt, or 0 for "do not retry".
 * - 400/401/403/404 and other 4xx: never (they will fail the same way again).
 * - 429: always (ConnectWise refused it unprocessed), honouring `Retry-After` up to `maxRetryAfterMs`.
 * - 5xx and dropped/timed-out connections: only idempotent requests, since a non-idempotent POST may
 *   already have been saved; the caller reconciles those itself.
 * Backoff is exponential with full jitter: random in [d/2, d] where d = min(max, base·2^(n-1)).
 */
export function retryDelay(candidate: RetryCandidate, policy: RetryPolicy, random: () => number = Math.random): number {
  if (candidate.attemptCount > policy.limit) return 0;
  const { statusCode, errorCode } = candidate;
  if (statusCode !== undefined) {
    if (!RETRYABLE_STATUS.has(statusCode)) return 0;
    if (statusCode === 429) {
      if (candidate.retryAfterMs !== undefined) {
        if (candidate.retryAfterMs > policy.maxRetryAfterMs) return 0;
        return Math.max(1, Math.ceil(candidate.retryAfterMs + random() * 250));
      }
      return backoff(candidate.attemptCount, policy, random);
    }
    if (!candidate.idempotent) return 0;
    if (candidate.retryAfterMs !== undefined && candidate.retryAfterMs <= policy.maxRetryAfterMs) {
      return Math.max(1, candidate.retryAfterMs);
    }
    return backoff(candidate.attemptCount, policy, random);
  }
  if (errorCode !== undefined && UNSENT_NETWORK_ERRORS.has(errorCode)) return backoff(candidate.attemptCount, policy, random);
  if (errorCode !== undefined && AMBIGUOUS_NETWORK_ERRORS.has(errorCode) && candidate.idempotent) {
    return backoff(candidate.attemptCount, policy, random);
  }
  return 0;
}

function backoff(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.max(1, Math.round(ceiling / 2 + (random() * ceiling) / 2));
}

/** `Retry-After` as seconds or an HTTP date → milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | undefined, now: number = Date.now()): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
