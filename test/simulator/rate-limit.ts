/**
 * ConnectWise's throttle, per site (one simulator = one site): every request counts, whatever
 * its path, credentials or clientId, because the throttle sits in front of the API and the
 * MSP's integrations share it.
 *
 * - Per-second limit (`requestsPerSecond`, optional): more than that many admitted requests in the
 *   trailing second is answered 429 with Retry-After 1 (a throttle that spreads the minute's budget).
 * - Window limit (`setLimit`): a request that would make more than `requestsPerMinute`
 *   admitted requests in the trailing 60 s is answered 429. Refused requests do not count
 *   (they cost the site nothing, and counting them would make Retry-After a lie); tests that
 *   want the raw rate use `maxRequestsInAnyWindow` over every request instead.
 * - Retry-After is a promise the client must keep: after ANY 429 (window limit, scripted
 *   `faults.rateLimit`, or a 429 answering a violation) a request that arrives before that
 *   429's Retry-After has elapsed is answered 429 again and recorded in `violations`.
 *   `toleranceMs` absorbs timer granularity at both ends: a request arriving within it after
 *   the 429 was sent was in flight (the client could not know yet; still answered 429, not a
 *   violation), one arriving within it before the end is on time.
 */

export interface RateLimitOptions {
  /** Admitted requests allowed in any trailing 60 s. */
  requestsPerMinute: number;
  /**
   * Admitted requests allowed in any trailing second as well (a throttle that limits per second,
   * e.g. requestsPerMinute ÷ 60): one more is answered 429 with Retry-After 1. Default: none.
   */
  requestsPerSecond?: number;
  /** Retry-After of the window's 429s; default: the seconds until the window has room again. */
  retryAfterSeconds?: number;
}

export interface RateLimitViolation {
  /** Arrival time (the simulator's clock, ms). */
  at: number;
  method: string;
  path: string;
  /** How long before the Retry-After elapsed the request arrived. */
  earlyMs: number;
  /** The Retry-After (seconds) of the 429 whose wait was not kept. */
  retryAfterSeconds: number;
}

/** Why the limiter refused a request. */
export type Throttle = 'limit' | 'retryAfter';

interface Block {
  sentAt: number;
  until: number;
  seconds: number;
}

const WINDOW_MS = 60_000;
const SECOND_MS = 1_000;
export const DEFAULT_TOLERANCE_MS = 5;

export class SiteRateLimiter {
  readonly violations: RateLimitViolation[] = [];
  toleranceMs = DEFAULT_TOLERANCE_MS;
  private limit: RateLimitOptions | undefined;
  /** Arrival times of admitted requests in the trailing window, oldest first. */
  private admitted: number[] = [];
  private blocks: Block[] = [];

  setLimit(options: RateLimitOptions | null): void {
    if (options === null) {
      this.limit = undefined;
      return;
    }
    const { requestsPerMinute, retryAfterSeconds, requestsPerSecond } = options;
    if (!Number.isInteger(requestsPerMinute) || requestsPerMinute < 1)
      throw new Error('requestsPerMinute must be an integer >= 1');
    if (requestsPerSecond !== undefined && (!Number.isInteger(requestsPerSecond) || requestsPerSecond < 1))
      throw new Error('requestsPerSecond must be an integer >= 1');
    if (retryAfterSeconds !== undefined && (!Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 1)) {
      throw new Error('retryAfterSeconds must be an integer >= 1');
    }
    this.limit = {
      requestsPerMinute,
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
      ...(requestsPerSecond === undefined ? {} : { requestsPerSecond }),
    };
  }

  get current(): RateLimitOptions | undefined {
    return this.limit && { ...this.limit };
  }

  /** Decides on a request arriving at `at`: undefined = admitted, else the 429's Retry-After and why. */
  admit(at: number, method: string, path: string): { retryAfterSeconds: number; reason: Throttle } | undefined {
    this.blocks = this.blocks.filter((b) => b.until > at);
    const pending = this.blocks.filter((b) => at < b.until - this.toleranceMs);
    if (pending.length > 0) {
      const until = Math.max(...pending.map((b) => b.until));
      const broken = pending.filter((b) => at >= b.sentAt + this.toleranceMs);
      const worst = broken.reduce<Block | undefined>(
        (w, b) => (w === undefined || b.until > w.until ? b : w),
        undefined,
      );
      if (worst)
        this.violations.push({ at, method, path, earlyMs: worst.until - at, retryAfterSeconds: worst.seconds });
      return { retryAfterSeconds: Math.max(1, Math.ceil((until - at) / 1000)), reason: 'retryAfter' };
    }
    while (this.admitted.length > 0 && (this.admitted[0] as number) <= at - WINDOW_MS) this.admitted.shift();
    if (this.limit && this.admitted.length >= this.limit.requestsPerMinute) {
      const free = (this.admitted[0] as number) + WINDOW_MS - at;
      return {
        retryAfterSeconds: this.limit.retryAfterSeconds ?? Math.max(1, Math.ceil(free / 1000)),
        reason: 'limit',
      };
    }
    const perSecond = this.limit?.requestsPerSecond;
    if (perSecond !== undefined) {
      let inLastSecond = 0;
      for (let i = this.admitted.length - 1; i >= 0 && (this.admitted[i] as number) > at - SECOND_MS; i--)
        inLastSecond++;
      if (inLastSecond >= perSecond) return { retryAfterSeconds: 1, reason: 'limit' };
    }
    this.admitted.push(at);
    return undefined;
  }

  /** Every 429 the site sends, whatever produced it: its Retry-After must be kept. */
  sent429(sentAt: number, retryAfterSeconds: number): void {
    if (!(retryAfterSeconds > 0)) return;
    this.blocks.push({ sentAt, until: sentAt + retryAfterSeconds * 1000, seconds: retryAfterSeconds });
  }

  /** Forgets the window, pending Retry-Afters and violations (the limit itself stays). */
  reset(): void {
    this.admitted = [];
    this.blocks = [];
    this.violations.length = 0;
  }
}

/** The most requests whose arrival times fall within any `windowMs`-long window (inclusive start, exclusive end). */
export function maxInAnyWindow(times: readonly number[], windowMs: number): number {
  if (!(windowMs > 0)) throw new Error('windowMs must be > 0');
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
