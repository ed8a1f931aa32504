import { DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelay } from '../../lib/connectwise/retry-policy.js';

const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000, limit: 4, maxRetryAfterMs: 60_000 };
const half = () => 0.5;

describe('retryDelay', () => {
  it.each([400, 401, 403, 404, 409])('never retries a %i', (statusCode) => {
    expect(retryDelay({ attemptCount: 1, method: 'GET', idempotent: true, statusCode }, policy)).toBe(0);
  });

  it('honours Retry-After on a 429, even for a POST', () => {
    expect(retryDelay({ attemptCount: 1, method: 'POST', idempotent: false, statusCode: 429, retryAfterMs: 3000 }, policy, () => 0)).toBe(3000);
  });

  it('gives up when Retry-After exceeds the cap', () => {
    expect(retryDelay({ attemptCount: 1, method: 'GET', idempotent: true, statusCode: 429, retryAfterMs: 61_000 }, policy)).toBe(0);
  });

  it('backs off exponentially with jitter, capped', () => {
    const delays = [1, 2, 3, 4].map((attemptCount) =>
      retryDelay({ attemptCount, method: 'GET', idempotent: true, statusCode: 503 }, policy, half),
    );
    expect(delays).toEqual([75, 150, 300, 600]);
    expect(retryDelay({ attemptCount: 4, method: 'GET', idempotent: true, statusCode: 500 }, { ...policy, maxDelayMs: 500 }, half)).toBe(375);
  });

  it('jitter stays within [d/2, d]', () => {
    expect(retryDelay({ attemptCount: 2, method: 'GET', idempotent: true, statusCode: 500 }, policy, () => 0)).toBe(100);
    expect(retryDelay({ attemptCount: 2, method: 'GET', idempotent: true, statusCode: 500 }, policy, () => 0.999999)).toBe(200);
  });

  it('stops after the limit', () => {
    expect(retryDelay({ attemptCount: 5, method: 'GET', idempotent: true, statusCode: 500 }, policy)).toBe(0);
  });

  it('does not retry a non-idempotent POST after a 5xx or a dropped connection (it may have been saved)', () => {
    expect(retryDelay({ attemptCount: 1, method: 'POST', idempotent: false, statusCode: 500 }, policy)).toBe(0);
    expect(retryDelay({ attemptCount: 1, method: 'POST', idempotent: false, errorCode: 'ECONNRESET' }, policy)).toBe(0);
    expect(retryDelay({ attemptCount: 1, method: 'POST', idempotent: false, errorCode: 'ETIMEDOUT' }, policy)).toBe(0);
  });

  it('retries idempotent calls after a dropped connection or timeout', () => {
    expect(retryDelay({ attemptCount: 1, method: 'PATCH', idempotent: true, errorCode: 'ECONNRESET' }, policy, half)).toBeGreaterThan(0);
    expect(retryDelay({ attemptCount: 1, method: 'GET', idempotent: true, errorCode: 'ETIMEDOUT' }, policy, half)).toBeGreaterThan(0);
  });

  it('retries any method when the connection was refused (nothing was sent)', () => {
    expect(retryDelay({ attemptCount: 1, method: 'POST', idempotent: false, errorCode: 'ECONNREFUSED' }, policy, half)).toBeGreaterThan(0);
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
