import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { ConnectWiseClient, type ConnectWiseClientOptions } from '../../lib/connectwise/http-client.js';
import { SiteGovernorRegistry } from '../../lib/connectwise/site-governor.js';
import { ConnectWiseHttpError, RunDeadlineError } from '../../lib/errors.js';
import { json, Loopback } from './loopback.js';

/** A pino logger whose lines the test reads, and can wait for. */
function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      for (const w of waiters.filter((w) => pauses() >= w.count)) w.resolve();
      done();
    },
  });
  const pauses = () => lines.filter((l) => String(l.msg).startsWith('ConnectWise rate limit')).length;
  return {
    logger: pino({ level: 'warn' }, stream),
    lines,
    /** Resolves once the client has logged `count` 429 pauses (it has then paused the site). */
    pausesLogged: (count: number) =>
      new Promise<void>((resolve) => (pauses() >= count ? resolve() : waiters.push({ count, resolve }))),
  };
}

const tooMany = (res: ServerResponse, seconds: string) =>
  json(
    res,
    429,
    { error: 'ConnectWiseAPI', message: `Too many requests. Please try again in ${seconds} seconds.` },
    { 'retry-after': seconds },
  );

/**
 * The client and the site governor against a real loopback server: what the server receives, in what
 * order and when relative to the 429s it sent, is what is asserted (never how fast the test ran).
 */
describe('ConnectWiseClient with the site governor', () => {
  let site: Loopback;
  beforeAll(async () => {
    site = await Loopback.start();
  });
  afterAll(() => site.close());
  beforeEach(() => site.reset());

  const credentials = (extra: Record<string, string | undefined> = {}) => ({
    site: site.origin,
    companyId: 'acme',
    publicKey: 'PUBLICKEY01',
    privateKey: 'PRIVATEKEY01',
    clientId: 'cid-1',
    codebase: 'v2025_1',
    ...extra,
  });
  const connect = (options: ConnectWiseClientOptions = {}) =>
    ConnectWiseClient.connect(credentials(), {
      governors: new SiteGovernorRegistry(),
      retry: { baseDelayMs: 5, maxDelayMs: 20 },
      random: () => 0.5,
      ...options,
    });

  describe('429 pauses the whole site', () => {
    it('with 3 requests in flight and 5 queued, sends nothing between a 429 and its Retry-After; a second 429 extends the pause', async () => {
      const capture = captureLogger();
      const client = await connect({ concurrency: 4, logger: capture.logger });
      const held: ServerResponse[] = [];
      let firstAt = 0;
      let secondAt = 0;
      site.handler = (_req, res, _hit, index) => {
        if (index > 4) return json(res, 200, { ok: true });
        held.push(res);
        if (held.length < 4) return;
        // All four slots are taken: the first gets a 429, and only once the client has paused the
        // site do the other three (already in flight) answer: another 429, a 500 and a 200.
        void (async () => {
          firstAt = Date.now();
          tooMany(held[0]!, '0.4');
          await capture.pausesLogged(1);
          secondAt = Date.now();
          tooMany(held[1]!, '0.6');
          await capture.pausesLogged(2);
          json(held[2]!, 500, { code: 'ServerError', message: 'boom' });
          json(held[3]!, 200, { ok: true });
        })();
      };

      const results = await Promise.all(Array.from({ length: 9 }, (_, i) => client.request('GET', `system/item/${i}`)));

      expect(results).toHaveLength(9);
      const first = site.hits.slice(0, 4);
      const after = site.hits.slice(4);
      expect(first.map((h) => h.url)).toEqual([0, 1, 2, 3].map((i) => `/v2025_1/apis/3.0/system/item/${i}`));
      // The retries of the three failed requests and the five queued ones: 8 more, none before the end
      // of the longer pause.
      expect(after).toHaveLength(8);
      expect(firstAt).toBeGreaterThan(0);
      for (const hit of after) expect(hit.at).toBeGreaterThanOrEqual(Math.max(firstAt + 400, secondAt + 600));
      // Work already under way goes first when the site opens again.
      expect(new Set(after.slice(0, 3).map((h) => h.url))).toEqual(new Set(first.slice(0, 3).map((h) => h.url)));
      expect(client.stats).toEqual({ requests: 12, retries: 3 });
      // One warning per 429, naming host, seconds and path, and nothing else from the request.
      const warnings = capture.lines.filter((l) => String(l.msg).startsWith('ConnectWise rate limit'));
      expect(warnings.map((w) => [w.site, w.seconds, w.path])).toEqual([
        [new URL(site.origin).host, 1, 'system/item/0'],
        [new URL(site.origin).host, 1, 'system/item/1'],
      ]);
      expect(JSON.stringify(capture.lines)).not.toMatch(/PRIVATEKEY01|PUBLICKEY01|Basic/i);
    });

    it('a 429 seen by one connection pauses another connection to the same site and company', async () => {
      const governors = new SiteGovernorRegistry();
      const capture = captureLogger();
      const a = await connect({ governors, logger: capture.logger });
      const b = await ConnectWiseClient.connect({ ...credentials(), companyId: 'ACME' }, { governors });
      let pausedAt = 0;
      site.handler = (_req, res, _hit, index) => {
        if (index === 1) {
          pausedAt = Date.now();
          return tooMany(res, '0.3');
        }
        json(res, 200, {});
      };
      const first = a.request('GET', 'system/info');
      await capture.pausesLogged(1);
      await b.request('GET', 'system/members');
      await first;
      // The retry (work under way) goes first once the site opens again; nothing before.
      expect(site.hits.map((h) => h.url.split('/').pop())).toEqual(['info', 'info', 'members']);
      for (const hit of site.hits.slice(1)) expect(hit.at).toBeGreaterThanOrEqual(pausedAt + 300);
    });

    it('the codebase look-up goes through the governor too', async () => {
      const governors = new SiteGovernorRegistry();
      const capture = captureLogger();
      const a = await connect({ governors, logger: capture.logger });
      let pausedAt = 0;
      site.handler = (req, res, _hit, index) => {
        if (index === 1) {
          pausedAt = Date.now();
          return tooMany(res, '0.3');
        }
        if (req.url?.startsWith('/login/companyinfo/')) return json(res, 200, { Codebase: 'v2025_1/' });
        json(res, 200, {});
      };
      const first = a.request('GET', 'system/info');
      await capture.pausesLogged(1);
      const b = await ConnectWiseClient.connect(credentials({ codebase: undefined }), { governors });
      await first;
      expect(b.baseUrl).toBe(`${site.origin}/v2025_1/apis/3.0/`);
      const lookup = site.hits.find((h) => h.url.startsWith('/login/companyinfo/'))!;
      expect(lookup.at).toBeGreaterThanOrEqual(pausedAt + 300);
      expect(lookup.headers.authorization).toBeUndefined();
    });

    it('a 429 on the codebase look-up is waited out and retried', async () => {
      site.handler = (_req, res, _hit, index) =>
        index === 1 ? tooMany(res, '0') : json(res, 200, { Codebase: 'v2031_1' });
      const client = await connect();
      expect(client.baseUrl).toBe(`${site.origin}/v2025_1/apis/3.0/`);
      const looked = await ConnectWiseClient.connect(credentials({ codebase: undefined }), {
        governors: new SiteGovernorRegistry(),
        random: () => 0,
      });
      expect(looked.baseUrl).toBe(`${site.origin}/v2031_1/apis/3.0/`);
      expect(looked.stats).toEqual({ requests: 2, retries: 1 });
    });
  });

  describe('429 and the run deadline', () => {
    it('many 429s in a row do not fail the call while the deadline allows (they use no retry budget)', async () => {
      site.handler = (_req, res, _hit, index) => (index <= 12 ? tooMany(res, '0') : json(res, 201, { id: 7 }));
      const client = await connect({ deadlineAt: Date.now() + 60_000, random: () => 0 });
      await expect(client.request('POST', 'company/configurations', { json: {}, idempotent: false })).resolves.toEqual({
        id: 7,
      });
      expect(site.hits).toHaveLength(13);
      expect(client.stats).toEqual({ requests: 13, retries: 12 });
    });

    it('a 429 whose Retry-After passes the deadline throws RunDeadlineError, pauses the site, and queued work stops without sending', async () => {
      site.handler = (_req, res) => tooMany(res, '30');
      const client = await connect({ deadlineAt: Date.now() + 5_000, concurrency: 1 });
      const first = client.request('GET', 'system/info').catch((e: unknown) => e);
      const queued = client.request('GET', 'system/members').catch((e: unknown) => e);
      const error = (await first) as RunDeadlineError;
      expect(error).toBeInstanceOf(RunDeadlineError);
      expect(error.message).toBe(
        "ConnectWise GET system/info: waiting 31 s (rate limited) would pass the run's deadline",
      );
      expect(await queued).toBeInstanceOf(RunDeadlineError);
      // Later work on the same connection fails at once too, while the pause lasts.
      await expect(client.request('GET', 'system/other')).rejects.toBeInstanceOf(RunDeadlineError);
      expect(site.hits).toHaveLength(1);
    });

    it('without a deadline, a single Retry-After above the cap fails the call with a clear error', async () => {
      site.handler = (_req, res) => tooMany(res, '5');
      const client = await connect({ retry: { maxRetryAfterMs: 1000 } });
      const error = (await client.request('GET', 'system/info').catch((e: unknown) => e)) as ConnectWiseHttpError;
      expect(error).toBeInstanceOf(ConnectWiseHttpError);
      expect(error.status).toBe(429);
      expect(error.message).toBe(
        'ConnectWise GET system/info failed: 429 ConnectWiseAPI: Too many requests. Please try again in 5 seconds.; ConnectWise asked to wait 5 s, more than the 1 s a run without a deadline waits',
      );
      expect(site.hits).toHaveLength(1);
    });

    it('a backoff that would pass the deadline throws RunDeadlineError instead of sleeping', async () => {
      site.handler = (_req, res) => json(res, 503, { code: 'Unavailable' });
      const client = await connect({
        deadlineAt: Date.now() + 1_000,
        retry: { baseDelayMs: 10_000, maxDelayMs: 10_000 },
      });
      await expect(client.request('GET', 'system/info')).rejects.toThrow(
        /waiting \d+ s \(before retrying\) would pass the run's deadline/,
      );
      expect(site.hits).toHaveLength(1);
    });
  });

  describe('transient errors', () => {
    it('5xx are still limited to 5 retries', async () => {
      site.handler = (_req, res) => json(res, 503, { code: 'Unavailable', message: 'down' });
      const client = await connect();
      const error = (await client.request('GET', 'system/info').catch((e: unknown) => e)) as ConnectWiseHttpError;
      expect(error).toMatchObject({ status: 503, cwCode: 'Unavailable' });
      expect(site.hits).toHaveLength(6);
      expect(client.stats).toEqual({ requests: 6, retries: 5 });
    });

    it('429s between the 5xx do not count against those 5 retries', async () => {
      site.handler = (_req, res, _hit, index) =>
        index % 2 === 1 ? tooMany(res, '0') : json(res, 500, { code: 'ServerError' });
      const client = await connect({ random: () => 0 });
      await expect(client.request('GET', 'system/info')).rejects.toMatchObject({ status: 500 });
      // 6 × 429 (each waited out) and 6 × 500 (the first plus 5 retries).
      expect(site.hits).toHaveLength(12);
    });
  });

  describe('redirects', () => {
    let elsewhere: Loopback;
    beforeAll(async () => {
      elsewhere = await Loopback.start();
    });
    afterAll(() => elsewhere.close());
    beforeEach(() => elsewhere.reset());

    it.each([
      [302, 'GET'],
      [301, 'POST'],
      [307, 'PATCH'],
    ] as const)(
      'a %i to another listener is not followed, not retried, and names only the host',
      async (status, method) => {
        site.handler = (_req, res) => {
          res.writeHead(status, { location: `${elsewhere.origin}/v2025_1/apis/3.0/company/configurations?token=abc` });
          res.end();
        };
        const client = await connect();
        const error = (await client
          .request(method, 'company/configurations', method === 'GET' ? {} : { json: {}, idempotent: true })
          .catch((e: unknown) => e)) as ConnectWiseHttpError;
        expect(error).toBeInstanceOf(ConnectWiseHttpError);
        expect(error.status).toBe(status);
        expect(error.message).toBe(
          `ConnectWise answered ${status} (redirect to ${new URL(elsewhere.origin).host}); redirects are not followed: check the site in the secret`,
        );
        expect(site.hits).toHaveLength(1);
        expect(elsewhere.hits).toHaveLength(0);
      },
    );

    it('a redirect on the codebase look-up is not followed either', async () => {
      site.handler = (_req, res) => {
        res.writeHead(302, { location: `${elsewhere.origin}/login/companyinfo/acme` });
        res.end();
      };
      await expect(
        ConnectWiseClient.connect(credentials({ codebase: undefined }), { governors: new SiteGovernorRegistry() }),
      ).rejects.toThrow(/ConnectWise answered 302 \(redirect to 127\.0\.0\.1:\d+\); redirects are not followed/);
      expect(elsewhere.hits).toHaveLength(0);
    });
  });
});
