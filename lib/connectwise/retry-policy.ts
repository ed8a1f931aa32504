/**
 * Pure retry decisions for ConnectWise calls. The client's own loop asks this after every failed
 * attempt; each attempt (retries included) is one job of the site's request governor.
 */

export interface RetryPolicy {
  /** Retries after 5xx/network failures (transient errors). A 429 does not use this budget. */
  readonly limit: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /**
   * Without a run deadline (the CLI), a single `Retry-After` longer than this fails the call instead of
   * sleeping for hours. With a deadline, the deadline bounds every wait instead.
   */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  limit: 5,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 15 * 60_000,
};

export interface FailedAttempt {
  readonly method: string;
  /** True when repeating the request cannot create anything twice (GET/PUT/PATCH/DELETE, or a POST marked so). */
  readonly idempotent: boolean;
  readonly statusCode?: number;
  readonly errorCode?: string;
  readonly retryAfterMs?: number;
  /** Transient retries (5xx/network) this call has already made. */
  readonly transientRetries: number;
  /** 429s this call has had in a row (only shapes the backoff when there is no `Retry-After`). */
  readonly throttles: number;
  /** Milliseconds left before the run's deadline; absent when the run has none. */
  readonly remainingMs?: number;
}

export type RetryDecision =
  /** Give up: the error stands. `reason` says why when it is not obvious from the error itself. */
  | { readonly action: 'fail'; readonly reason?: string }
  /** Transient error: this call waits `delayMs` and tries again (counts against `limit`). */
  | { readonly action: 'retry'; readonly delayMs: number }
  /** 429: the whole site pauses for `delayMs`, then this call tries again (no retry budget used). */
  | { readonly action: 'pause-site'; readonly delayMs: number }
  /** The wait would pass the run's deadline: stop the run cleanly instead (RunDeadlineError). */
  | { readonly action: 'deadline'; readonly delayMs: number };

const RETRYABLE_STATUS = new Set([500, 502, 503, 504]);
/** Errors after which the request may have reached ConnectWise (so only idempotent calls retry). */
const AMBIGUOUS_NETWORK_ERRORS = new Set(['ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE']);
/** Errors where nothing reached ConnectWise: safe to retry any method. */
const UNSENT_NETWORK_ERRORS = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ENOTFOUND']);

/**
 * - 429: ConnectWise refused it unprocessed, so any method tries again after `Retry-After` (or a
 *   backoff without one), however many times, as long as the run's deadline allows; without a deadline
 *   a single `Retry-After` above `maxRetryAfterMs` fails the call.
 * - 400/401/403/404, other 4xx and 3xx: never (they fail the same way again).
 * - 5xx and dropped/timed-out connections: only idempotent requests, since a non-idempotent POST may
 *   already have been saved (the caller reconciles those itself); at most `limit` times.
 * Backoff is exponential with full jitter: random in [d/2, d] where d = min(max, base·2^(n-1)).
 */
export function decideRetry(
  attempt: FailedAttempt,
  policy: RetryPolicy,
  random: () => number = Math.random,
): RetryDecision {
  const { statusCode, errorCode } = attempt;
  if (statusCode === 429) {
    if (
      attempt.retryAfterMs !== undefined &&
      attempt.remainingMs === undefined &&
      attempt.retryAfterMs > policy.maxRetryAfterMs
    ) {
      return {
        action: 'fail',
        reason:
          `ConnectWise asked to wait ${Math.ceil(attempt.retryAfterMs / 1000)} s, ` +
          `more than the ${duration(policy.maxRetryAfterMs)} a run without a deadline waits`,
      };
    }
    const delayMs =
      attempt.retryAfterMs !== undefined
        ? Math.max(1, Math.ceil(attempt.retryAfterMs + random() * 250))
        : backoff(attempt.throttles + 1, policy, random);
    return withinDeadline({ action: 'pause-site', delayMs }, attempt);
  }
  if (attempt.transientRetries >= policy.limit) return { action: 'fail' };
  const next = attempt.transientRetries + 1;
  if (statusCode !== undefined) {
    if (!RETRYABLE_STATUS.has(statusCode) || !attempt.idempotent) return { action: 'fail' };
    const delayMs =
      attempt.retryAfterMs !== undefined && attempt.retryAfterMs <= policy.maxRetryAfterMs
        ? Math.max(1, attempt.retryAfterMs)
        : backoff(next, policy, random);
    return withinDeadline({ action: 'retry', delayMs }, attempt);
  }
  if (
    errorCode !== undefined &&
    (UNSENT_NETWORK_ERRORS.has(errorCode) || (AMBIGUOUS_NETWORK_ERRORS.has(errorCode) && attempt.idempotent))
  ) {
    return withinDeadline({ action: 'retry', delayMs: backoff(next, policy, random) }, attempt);
  }
  return { action: 'fail' };
}

function withinDeadline(
  decision: { action: 'retry' | 'pause-site'; delayMs: number },
  attempt: FailedAttempt,
): RetryDecision {
  if (attempt.remainingMs !== undefined && decision.delayMs >= attempt.remainingMs)
    return { action: 'deadline', delayMs: decision.delayMs };
  return decision;
}

function duration(ms: number): string {
  const minutes = ms / 60_000;
  return Number.isInteger(minutes) && minutes > 0
    ? `${minutes} minute${minutes === 1 ? '' : 's'}`
    : `${Math.ceil(ms / 1000)} s`;
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
