import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { evenPacing, SiteGovernor, SiteGovernorRegistry } from '../../lib/connectwise/site-governor.js';
import { RunDeadlineError } from '../../lib/errors.js';

/** Most starts in any rolling window [t, t + windowMs) over the given start times. */
function maxInRollingWindow(starts: readonly number[], windowMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let max = 0;
  let from = 0;
  for (let to = 0; to < sorted.length; to++) {
    while (sorted[to]! - sorted[from]! >= windowMs) from++;
    max = Math.max(max, to - from + 1);
  }
  return max;
}

/**
 * The governor in front of a real loopback server: each job is one HTTP request, its send time is
 * recorded when the governor starts it, and the server counts what it saw and how much at once.
 */
describe('Class: SiteGovernor', () => {
  let server: Server;
  let port: number;
  let received: number;
  let open: number;
  let maxOpen: number;

  beforeAll(async () => {
    server = createServer((req, res) => {
      received++;
      open++;
      maxOpen = Math.max(maxOpen, open);
      req.resume();
      // A short hold so requests overlap and the concurrency cap is exercised.
      setTimeout(() => {
        open--;
        res.end('{}');
      }, 2);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received = 0;
    open = 0;
    maxOpen = 0;
  });

  const get = () =>
    new Promise<void>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end();
    });

  /** Runs `count` requests through the governor; resolves with the send time of each (also filled in as they go). */
  async function send(governor: SiteGovernor, count: number, starts: number[] = []): Promise<number[]> {
    await Promise.all(
      Array.from({ length: count }, () =>
        governor.run(async () => {
          starts.push(Date.now());
          await get();
        }),
      ),
    );
    return starts;
  }

  describe('rate and concurrency', () => {
    it('never starts more than requestsPerMinute in any rolling window (120 per window, 300 requests), 4 at once', async () => {
      // A 1 s window stands for the minute. A fixed window of the same size would allow up to 240 starts
      // across a boundary; the sliding window must not. (The send times are read a moment after the
      // governor's own clock reading; its 1/60 guard, 17 ms here, absorbs an event-loop stall between them.)
      const governor = new SiteGovernor('site', { requestsPerMinute: 120, concurrency: 4, windowMs: 1000 });
      const starts = await send(governor, 300);
      expect(received).toBe(300);
      expect(maxInRollingWindow(starts, 1000)).toBeLessThanOrEqual(120);
      expect(maxOpen).toBeLessThanOrEqual(4);
      // The bound was reached, so the window (not luck) kept the count down: 300 starts need 3 windows.
      expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThanOrEqual(2 * 1000);
    });

    it('spends the budget evenly: never more than requestsPerMinute / 60 starts in any sixtieth of the window', async () => {
      // 600 a "minute" of 1200 ms: at most 10 in any 20 ms, and still at most 600 in any 1200 ms.
      const governor = new SiteGovernor('site', { requestsPerMinute: 600, concurrency: 50, windowMs: 1200 });
      const starts: number[] = [];
      await Promise.all(
        Array.from({ length: 120 }, () => governor.run(async () => void starts.push(performance.now()))),
      );
      expect(maxInRollingWindow(starts, 20)).toBeLessThanOrEqual(10);
      expect(maxInRollingWindow(starts, 1200)).toBeLessThanOrEqual(600);
    });

    it('spaces starts evenly: 1/10 s at 600 a minute, 1 s at 90 (1.5 a second is 1), 2 s at 30', () => {
      expect(evenPacing(600)).toEqual({ intervalCap: 1, interval: 102 });
      expect(evenPacing(90)).toEqual({ intervalCap: 1, interval: 1017 });
      expect(evenPacing(30)).toEqual({ intervalCap: 1, interval: 2034 });
    });

    it('a lower budget from a second connection applies to work already queued, counting what the window already used', async () => {
      const registry = new SiteGovernorRegistry();
      const governor = registry.acquire('http://127.0.0.1:1', 'acme', {
        requestsPerMinute: 20,
        concurrency: 4,
        windowMs: 1000,
      });
      const starts: number[] = [];
      const all = send(governor, 30, starts);
      while (starts.length < 20) await new Promise((resolve) => setTimeout(resolve, 5));
      const switchedAt = Date.now();
      expect(
        registry.acquire('http://127.0.0.1:1', 'ACME', { requestsPerMinute: 5, concurrency: 2, windowMs: 1000 }),
      ).toBe(governor);
      expect(governor.budget).toEqual({ requestsPerMinute: 5, concurrency: 2 });
      await all;
      expect(received).toBe(30);
      const after = starts.slice(20);
      expect(after.length).toBe(10);
      // The 20 starts just before the change use up the new budget's first window: nothing starts
      // until it has passed, and then at most 5 in any window.
      expect(Math.min(...after)).toBeGreaterThanOrEqual(switchedAt + 1000);
      expect(maxInRollingWindow(after, 1000)).toBeLessThanOrEqual(5);
    });
  });

  describe('registry', () => {
    it('shares one governor per site origin and companyId (case-insensitive); another company or site gets its own', () => {
      const registry = new SiteGovernorRegistry();
      const budget = { requestsPerMinute: 600, concurrency: 4 };
      const a = registry.acquire('https://api-na.myconnectwise.net', 'acme', budget);
      expect(registry.acquire('https://API-NA.myconnectwise.net', ' Acme ', budget)).toBe(a);
      expect(registry.acquire('https://api-na.myconnectwise.net', 'other', budget)).not.toBe(a);
      expect(registry.acquire('https://api-eu.myconnectwise.net', 'acme', budget)).not.toBe(a);
    });

    it('keeps the lowest budget whatever the order', () => {
      const registry = new SiteGovernorRegistry();
      const a = registry.acquire('https://h', 'c', { requestsPerMinute: 300, concurrency: 2 });
      registry.acquire('https://h', 'c', { requestsPerMinute: 600, concurrency: 8 });
      expect(a.budget).toEqual({ requestsPerMinute: 300, concurrency: 2 });
    });

    it('refuses a budget that is not a positive whole number', () => {
      expect(() => new SiteGovernor('h', { requestsPerMinute: 0, concurrency: 4 })).toThrow(
        /requestsPerMinute must be a whole number/,
      );
      expect(() => new SiteGovernor('h', { requestsPerMinute: 10, concurrency: 1.5 })).toThrow(/concurrency/);
    });
  });

  describe('Method: pauseFor', () => {
    it('starts nothing until the pause has passed; a longer pause extends it, a shorter one does not shorten it', async () => {
      const governor = new SiteGovernor('site', { requestsPerMinute: 600, concurrency: 4 });
      const pausedAt = Date.now();
      governor.pauseFor(150);
      const first = send(governor, 3);
      governor.pauseFor(300);
      governor.pauseFor(50);
      const starts = await first;
      expect(Math.min(...starts)).toBeGreaterThanOrEqual(pausedAt + 300);
      expect(governor.pausedUntil).toBe(0);
    });

    it('a job whose deadline falls inside the pause fails at once with RunDeadlineError', async () => {
      const governor = new SiteGovernor('api-na.example', { requestsPerMinute: 600, concurrency: 4 });
      governor.pauseFor(1000);
      const waiting = governor.run(get, { deadlineAt: Date.now() + 10_000 });
      governor.pauseFor(60_000);
      await expect(waiting).rejects.toBeInstanceOf(RunDeadlineError);
      await expect(governor.run(get, { deadlineAt: Date.now() + 10_000 })).rejects.toThrow(
        /deadline .* comes before ConnectWise at api-na.example accepts requests again/,
      );
      expect(received).toBe(0);
    });

    it('a job still waiting for its turn at its deadline fails with RunDeadlineError; the rest still run', async () => {
      const governor = new SiteGovernor('site', { requestsPerMinute: 2, concurrency: 4, windowMs: 60_000 });
      const deadlineAt = Date.now() + 100;
      const results = await Promise.allSettled([1, 2, 3].map(() => governor.run(get, { deadlineAt })));
      // Evenly paced: 2 a minute is one start every 30 s, so only the first starts before the deadline.
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
      expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(RunDeadlineError);
      expect(received).toBe(1);
    });
  });
});
