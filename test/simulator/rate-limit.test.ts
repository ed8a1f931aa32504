import type { Simulator } from './index.js';
import { startSimulator } from './index.js';
import { maxInAnyWindow } from './rate-limit.js';
import { call } from './test-helpers.js';

describe('ConnectWise simulator: the site throttle and Retry-After', () => {
  let sim: Simulator;
  // A hand-driven clock: the throttle's windows are minutes long, tests must not wait for them.
  let now: number;

  beforeEach(async () => {
    now = 1_000_000;
    sim = await startSimulator({ clock: () => now });
  });
  afterEach(async () => {
    await sim.close();
  });

  const info = async (): Promise<number> => (await call(sim, 'GET', 'system/info')).status;
  const companyInfo = async (): Promise<number> => (await fetch(`${sim.url}/login/companyinfo/acme`)).status;

  describe('setRateLimit', () => {
    it('limits per second too when asked: one more in the trailing second is answered 429 with Retry-After 1', async () => {
      sim.setRateLimit({ requestsPerMinute: 600, requestsPerSecond: 2 });
      expect([await info(), await info()]).toEqual([200, 200]);
      const res = await call(sim, 'GET', 'system/info');
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('1');
      now += 1_000;
      expect(await info()).toBe(200);
      expect(sim.violations).toEqual([]);
    });

    it('answers 429 with Retry-After and ConnectWise’s body once more than N requests arrived in the trailing 60 s, counting every path', async () => {
      sim.setRateLimit({ requestsPerMinute: 3 });
      expect(await companyInfo()).toBe(200);
      expect(await info()).toBe(200);
      now += 20_000;
      expect(await info()).toBe(200);
      now += 1_000;
      const res = await call(sim, 'GET', 'company/companies');
      expect(res.status).toBe(429);
      // The oldest request leaves the window 39 s later.
      expect(res.headers.get('retry-after')).toBe('39');
      expect(res.body).toEqual({
        error: 'ConnectWiseAPI',
        message: 'Too many requests. Please try again in 39 seconds.',
      });
      expect(sim.requests.at(-1)).toMatchObject({ status: 429, throttled: 'limit' });
      expect(sim.violations).toEqual([]);
    });

    it('admits again once the Retry-After passed and the window has room; refused requests do not fill the window', async () => {
      sim.setRateLimit({ requestsPerMinute: 2, retryAfterSeconds: 5 });
      expect([await info(), await info()]).toEqual([200, 200]);
      expect(await info()).toBe(429);
      now += 5_000;
      expect(await info()).toBe(429); // waited as told, but the window is still full: not a violation
      now += 55_000; // the first two requests leave the window
      expect(await info()).toBe(200);
      expect(await info()).toBe(200);
      expect(sim.violations).toEqual([]);
    });

    it('records a violation for a request that arrives before the Retry-After elapsed, on any path, and answers 429 again', async () => {
      sim.setRateLimit({ requestsPerMinute: 1, retryAfterSeconds: 10 });
      expect(await info()).toBe(200);
      expect(await info()).toBe(429);
      now += 4_000;
      const res = await call(sim, 'GET', 'company/configurations');
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('6');
      expect(sim.violations).toEqual([
        { at: now, method: 'GET', path: 'company/configurations', earlyMs: 6_000, retryAfterSeconds: 10 },
      ]);
      expect(sim.requests.at(-1)).toMatchObject({ throttled: 'retryAfter' });
    });

    it('can be removed with null; Retry-After stays enforced', async () => {
      sim.setRateLimit({ requestsPerMinute: 1 });
      sim.setRateLimit(null);
      expect([await info(), await info(), await info()]).toEqual([200, 200, 200]);
    });

    it('rejects nonsensical limits', () => {
      expect(() => sim.setRateLimit({ requestsPerMinute: 0 })).toThrow(/requestsPerMinute/);
      expect(() => sim.setRateLimit({ requestsPerMinute: 10, retryAfterSeconds: 0 })).toThrow(/retryAfterSeconds/);
      expect(() => sim.setRateLimit({ requestsPerMinute: 10, toleranceMs: -1 })).toThrow(/toleranceMs/);
    });

    it('can be set at start', async () => {
      await sim.close();
      sim = await startSimulator({ clock: () => now, rateLimit: { requestsPerMinute: 1 } });
      expect([await info(), await info()]).toEqual([200, 429]);
    });
  });

  describe('Retry-After of the scripted faults.rateLimit', () => {
    it('is enforced site-wide: a request to another path before it elapsed is a violation and does not consume other faults', async () => {
      sim.faults.rateLimit({ path: 'company/companies', retryAfterSeconds: 2 });
      sim.faults.serverError({ path: 'system/info' });
      expect((await call(sim, 'GET', 'company/companies')).status).toBe(429);
      now += 1_500;
      expect(await info()).toBe(429);
      expect(sim.violations).toEqual([
        expect.objectContaining({ path: 'system/info', earlyMs: 500, retryAfterSeconds: 2 }),
      ]);
      expect(sim.faults.pending).toHaveLength(1);
      now += 1_000; // the violation's own 429 said Retry-After: 1
      expect(await info()).toBe(500);
      expect(await info()).toBe(200);
      expect(sim.violations).toHaveLength(1);
    });

    it('a 429 that answers a violation is itself a Retry-After to keep', async () => {
      sim.faults.rateLimit({ retryAfterSeconds: 1 });
      expect(await info()).toBe(429);
      now += 900;
      expect(await info()).toBe(429); // violation, answered Retry-After: 1 (from now)
      now += 200; // the first 429's wait is over, the second's is not
      expect(await info()).toBe(429);
      expect(sim.violations.map((v) => v.earlyMs)).toEqual([100, 800]);
      now += 1_000;
      expect(await info()).toBe(200);
    });

    it('treats requests arriving within toleranceMs of the 429 as in flight, and within toleranceMs of the end as on time', async () => {
      sim.setRateLimit({ requestsPerMinute: 1000, toleranceMs: 5 });
      sim.faults.rateLimit({ retryAfterSeconds: 1 });
      expect(await info()).toBe(429);
      now += 4;
      expect(await info()).toBe(429); // in flight when the 429 left: refused, not a violation
      now += 992; // 4 ms before the end of the first wait (the in-flight one's 429 runs to +1004)
      expect(await info()).toBe(429);
      expect(sim.violations).toEqual([expect.objectContaining({ earlyMs: 8 })]);
      sim.resetRequests();
      sim.faults.rateLimit({ retryAfterSeconds: 1 });
      expect(await info()).toBe(429);
      now += 997;
      expect(await info()).toBe(200);
      expect(sim.violations).toEqual([]);
    });

    it('resetRequests forgets pending waits and violations', async () => {
      sim.faults.rateLimit({ retryAfterSeconds: 30 });
      expect(await info()).toBe(429);
      now += 10;
      expect(await info()).toBe(429);
      expect(sim.violations).toHaveLength(1);
      sim.resetRequests();
      expect(sim.violations).toHaveLength(0);
      expect(await info()).toBe(200);
    });
  });

  describe('maxRequestsInAnyWindow', () => {
    it('counts every request, companyinfo and refused ones included, in the busiest window', async () => {
      await companyInfo();
      now += 10_000;
      await info();
      await info();
      now += 50_000; // exactly 60 s after the first: a new window
      await call(sim, 'GET', 'nope');
      expect(sim.maxRequestsInAnyWindow(60_000)).toBe(3);
      expect(sim.maxRequestsInAnyWindow(60_001)).toBe(4);
      expect(sim.maxRequestsInAnyWindow(1)).toBe(2);
    });

    it('is a sliding window over arrival times', () => {
      expect(maxInAnyWindow([], 1000)).toBe(0);
      expect(maxInAnyWindow([5, 0, 999, 1000, 1998], 1000)).toBe(3);
      expect(() => maxInAnyWindow([1], 0)).toThrow(/windowMs/);
    });
  });
});
