import {
  DEFAULT_RETRY_POLICY,
  decideRetry,
  parseRetryAfter,
  type FailedAttempt,
} from '../../lib/connectwise/retry-policy.js';

const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000, limit: 4, maxRetryAfterMs: 60_000 };
const half = () => 0.5;
const get = (extra: Partial<FailedAttempt>): FailedAttempt => ({
  method: 'GET',
  idempotent: true,
  transientRetries: 0,
  throttles: 0,
  ...extra,
});
const post = (extra: Partial<FailedAttempt>): FailedAttempt => ({
  method: 'POST',
  idempotent: false,
  transientRetries: 0,
  throttles: 0,
  ...extra,
});

describe('decideRetry', () => {
  it.each([301, 302, 400, 401, 403, 404, 409])('never retries a %i', (statusCode) => {
    expect(decideRetry(get({ statusCode }), policy)).toEqual({ action: 'fail' });
  });

  describe('429', () => {
    it('pauses the site for Retry-After, even for a POST', () => {
      expect(decideRetry(post({ statusCode: 429, retryAfterMs: 3000 }), policy, () => 0)).toEqual({
        action: 'pause-site',
        delayMs: 3000,
      });
    });

    it('does not use the transient retry budget: the 50th 429 in a row after 4 transient retries still pauses', () => {
      expect(
        decideRetry(get({ statusCode: 429, retryAfterMs: 1000, transientRetries: 4, throttles: 50 }), policy, () => 0),
      ).toEqual({
        action: 'pause-site',
        delayMs: 1000,
      });
    });

    it('without Retry-After, pauses for a backoff that grows with the 429s in a row', () => {
      expect(decideRetry(get({ statusCode: 429, throttles: 0 }), policy, half)).toEqual({
        action: 'pause-site',
        delayMs: 75,
      });
      expect(decideRetry(get({ statusCode: 429, throttles: 2 }), policy, half)).toEqual({
        action: 'pause-site',
        delayMs: 300,
      });
    });

    it('stops the run (deadline) when the wait would pass the deadline', () => {
      expect(decideRetry(get({ statusCode: 429, retryAfterMs: 30_000, remainingMs: 29_000 }), policy, () => 0)).toEqual(
        {
          action: 'deadline',
          delayMs: 30_000,
        },
      );
    });

    it('with a deadline, a long Retry-After that fits is waited out (the deadline is the bound, not the cap)', () => {
      expect(
        decideRetry(get({ statusCode: 429, retryAfterMs: 61_000, remainingMs: 600_000 }), policy, () => 0),
      ).toEqual({
        action: 'pause-site',
        delayMs: 61_000,
      });
    });

    it('without a deadline, fails a single Retry-After above the cap with a reason', () => {
      const decision = decideRetry(get({ statusCode: 429, retryAfterMs: 61_000 }), policy);
      expect(decision).toEqual({
        action: 'fail',
        reason: 'ConnectWise asked to wait 61 s, more than the 1 minute a run without a deadline waits',
      });
    });

    it('the default cap is 15 minutes', () => {
      expect(
        decideRetry(get({ statusCode: 429, retryAfterMs: 15 * 60_000 }), DEFAULT_RETRY_POLICY, () => 0).action,
      ).toBe('pause-site');
      expect(decideRetry(get({ statusCode: 429, retryAfterMs: 15 * 60_000 + 1000 }), DEFAULT_RETRY_POLICY)).toEqual({
        action: 'fail',
        reason: 'ConnectWise asked to wait 901 s, more than the 15 minutes a run without a deadline waits',
      });
    });
  });

  it('backs off exponentially with jitter, capped', () => {
    const delays = [0, 1, 2, 3].map((transientRetries) =>
      decideRetry(get({ statusCode: 503, transientRetries }), policy, half),
    );
    expect(delays).toEqual([75, 150, 300, 600].map((delayMs) => ({ action: 'retry', delayMs })));
    expect(decideRetry(get({ statusCode: 500, transientRetries: 3 }), { ...policy, maxDelayMs: 500 }, half)).toEqual({
      action: 'retry',
      delayMs: 375,
    });
  });

  it('jitter stays within [d/2, d]', () => {
    expect(decideRetry(get({ statusCode: 500, transientRetries: 1 }), policy, () => 0)).toEqual({
      action: 'retry',
      delayMs: 100,
    });
    expect(decideRetry(get({ statusCode: 500, transientRetries: 1 }), policy, () => 0.999999)).toEqual({
      action: 'retry',
      delayMs: 200,
    });
  });

  it('stops after the limit of transient retries', () => {
    expect(decideRetry(get({ statusCode: 500, transientRetries: 4 }), policy)).toEqual({ action: 'fail' });
    expect(decideRetry(get({ errorCode: 'ECONNRESET', transientRetries: 4 }), policy)).toEqual({ action: 'fail' });
  });

  it('a backoff that would pass the deadline stops the run instead', () => {
    expect(decideRetry(get({ statusCode: 502, remainingMs: 10 }), policy, half)).toEqual({
      action: 'deadline',
      delayMs: 75,
    });
  });

  it('honours a 503 Retry-After within the cap', () => {
    expect(decideRetry(get({ statusCode: 503, retryAfterMs: 2000 }), policy)).toEqual({
      action: 'retry',
      delayMs: 2000,
    });
  });

  it('does not retry a non-idempotent POST after a 5xx or a dropped connection (it may have been saved)', () => {
    expect(decideRetry(post({ statusCode: 500 }), policy)).toEqual({ action: 'fail' });
    expect(decideRetry(post({ errorCode: 'ECONNRESET' }), policy)).toEqual({ action: 'fail' });
    expect(decideRetry(post({ errorCode: 'ETIMEDOUT' }), policy)).toEqual({ action: 'fail' });
  });

  it('retries idempotent calls after a dropped connection or timeout', () => {
    expect(decideRetry({ ...get({ errorCode: 'ECONNRESET' }), method: 'PATCH' }, policy, half).action).toBe('retry');
    expect(decideRetry(get({ errorCode: 'ETIMEDOUT' }), policy, half).action).toBe('retry');
  });

  it('retries any method when the connection was refused (nothing was sent)', () => {
    expect(decideRetry(post({ errorCode: 'ECONNREFUSED' }), policy, half).action).toBe('retry');
  });

  it('does not retry an unknown network error', () => {
    expect(decideRetry(get({ errorCode: 'ERR_SOMETHING' }), policy)).toEqual({ action: 'fail' });
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds', () => expect(parseRetryAfter('30')).toBe(30_000));
  it('reads an HTTP date', () => {
    const now = Date.parse('2026-11-25T00:00:00Z');
    expect(parseRetryAfter('Wed, 25 Nov 2026 00:00:10 GMT', now)).toBe(10_000);
  });
  it('ignores garbage and absence', () => {
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
