import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectWiseClient } from '../../lib/connectwise/http-client.js';
import { ConnectWiseHttpError, ConnectWiseNetworkError, ConnectWiseResponseError } from '../../lib/errors.js';

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

/** A real loopback server whose answers each test scripts, to test the client's HTTP behaviour. */
describe('Class: ConnectWiseClient', () => {
  let server: Server;
  let origin: string;
  let handler: Handler;
  let hits: { method: string; url: string; headers: IncomingMessage['headers'] }[];

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      req.resume();
      req.on('end', () => handler(req, res, hits.length));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    hits = [];
  });

  const credentials = () => ({
    site: origin,
    companyId: 'acme',
    publicKey: 'PUB',
    privateKey: 'PRIV-SECRET',
    clientId: 'cid-1',
    codebase: 'v2025_1',
  });
  const connect = (extra: Parameters<typeof ConnectWiseClient.connect>[1] = {}) =>
    ConnectWiseClient.connect(credentials(), {
      retry: { baseDelayMs: 5, maxDelayMs: 20 },
      random: () => 0.5,
      ...extra,
    });
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  describe('Method: request', () => {
    it('sends Basic auth, clientId and the version Accept header to /<codebase>/apis/3.0/', async () => {
      handler = (_req, res) => json(res, 200, { version: 'v2025.1' });
      const client = await connect();
      await client.request('GET', 'system/info');
      const hit = hits[0]!;
      expect(hit.url).toBe('/v2025_1/apis/3.0/system/info');
      expect(hit.headers.authorization).toBe(`Basic ${Buffer.from('acme+PUB:PRIV-SECRET').toString('base64')}`);
      expect(hit.headers.clientid).toBe('cid-1');
      expect(hit.headers.accept).toBe('application/vnd.connectwise.com+json; version=2025.1');
    });

    it('looks the codebase up via login/companyinfo when the secret has none', async () => {
      handler = (req, res) =>
        req.url?.startsWith('/login/companyinfo/acme')
          ? json(res, 200, { Codebase: 'v2099_9/', CompanyID: 'acme' })
          : json(res, 200, {});
      const client = await ConnectWiseClient.connect({ ...credentials(), codebase: undefined });
      expect(client.baseUrl).toBe(`${origin}/v2099_9/apis/3.0/`);
      expect(hits[0]!.headers.authorization).toBeUndefined();
    });

    it('explains an unknown company at companyinfo', async () => {
      handler = (_req, res) => json(res, 200, null);
      await expect(ConnectWiseClient.connect({ ...credentials(), codebase: undefined })).rejects.toThrow(
        /does not know the secret's companyId/,
      );
    });

    it('waits for Retry-After on a 429 and then succeeds, even for a POST', async () => {
      handler = (_req, res, hit) =>
        hit === 1
          ? json(
              res,
              429,
              { error: 'ConnectWiseAPI', message: 'Too many requests. Please try again in 1 seconds.' },
              { 'retry-after': '1' },
            )
          : json(res, 201, { id: 5 });
      const client = await connect();
      const started = Date.now();
      await expect(client.request('POST', 'company/configurations', { json: {}, idempotent: false })).resolves.toEqual({
        id: 5,
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      expect(client.stats).toEqual({ requests: 2, retries: 1 });
    });

    it('retries a GET after 500s and a dropped connection', async () => {
      handler = (req, res, hit) => {
        if (hit === 1) return json(res, 500, { code: 'ServerError', message: 'boom' });
        if (hit === 2) return req.socket.destroy();
        json(res, 200, [{ id: 1 }]);
      };
      const client = await connect();
      await expect(client.request('GET', 'company/companies')).resolves.toEqual([{ id: 1 }]);
      expect(hits).toHaveLength(3);
    });

    it('never retries a POST whose answer was lost (it may have been saved)', async () => {
      handler = (req) => req.socket.destroy();
      const client = await connect();
      await expect(
        client.request('POST', 'company/configurations', { json: {}, idempotent: false }),
      ).rejects.toBeInstanceOf(ConnectWiseNetworkError);
      expect(hits).toHaveLength(1);
    });

    it.each([400, 401, 403, 404])("does not retry a %i and types the error with ConnectWise's code", async (status) => {
      handler = (_req, res) =>
        json(res, status, {
          code: 'InvalidObject',
          message: 'nope',
          errors: [{ code: 'ObjectExists', field: 'name', message: 'taken' }],
        });
      const client = await connect();
      const error = (await client
        .request('GET', 'company/configurations/9')
        .catch((e: unknown) => e)) as ConnectWiseHttpError;
      expect(error).toBeInstanceOf(ConnectWiseHttpError);
      expect(error).toMatchObject({ status, cwCode: 'InvalidObject', method: 'GET', path: 'company/configurations/9' });
      expect(error.details).toEqual([{ code: 'ObjectExists', field: 'name', message: 'taken' }]);
      expect(hits).toHaveLength(1);
    });

    it('never puts credentials into an error, even a 401', async () => {
      handler = (_req, res) => json(res, 401, { code: 'Unauthorized', message: 'bad key' });
      const client = await connect();
      const error = (await client.request('GET', 'system/info').catch((e: unknown) => e)) as Error;
      const everything = JSON.stringify({ ...error, message: error.message }) + String(error.stack);
      expect(error.message).toMatch(
        /401 Unauthorized: bad key \(check publicKey, privateKey, companyId and clientId in the secret\)/,
      );
      expect(everything).not.toMatch(/PRIV-SECRET|PUB:|acme\+PUB/);
      expect(everything).not.toContain(Buffer.from('acme+PUB:PRIV-SECRET').toString('base64'));
    });

    it('times out a slow answer and reports it as a network error after retrying', async () => {
      handler = (_req, res) => setTimeout(() => json(res, 200, {}), 300);
      const client = await connect({ timeoutMs: 50, retry: { limit: 1, baseDelayMs: 1, maxDelayMs: 1 } });
      await expect(client.request('GET', 'system/info')).rejects.toThrow(/GET system\/info timed out/);
      expect(hits).toHaveLength(2);
    });

    it('rejects a body that is not JSON', async () => {
      handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>login</html>');
      };
      const client = await connect();
      await expect(client.request('GET', 'system/info')).rejects.toBeInstanceOf(ConnectWiseResponseError);
    });
  });

  describe('Method: list', () => {
    /** A forward-only list of ids 1..n: "id > pageId", ordered by id, `Link` next with the last id. */
    const forwardOnly =
      (n: number, options: { pageSize?: number; link?: (next: number) => string | undefined } = {}) =>
      (req: IncomingMessage, res: ServerResponse) => {
        const url = new URL(req.url ?? '', origin);
        const after = Number(url.searchParams.get('pageId') ?? '0');
        const size = Number(url.searchParams.get('pageSize'));
        const ids = Array.from({ length: n }, (_, i) => i + 1).filter((id) => id > after);
        const page = ids.slice(0, size).map((id) => ({ id }));
        const next = new URL(url);
        next.searchParams.set('pageId', String(page.at(-1)?.id ?? after));
        const link = ids.length > size ? (options.link?.(page.at(-1)!.id) ?? `<${next.href}>; rel="next"`) : undefined;
        json(res, 200, page, link === undefined ? {} : { link });
      };

    it('pages forward-only (pagination-type header, pageId = the last id) with pageSize 1000', async () => {
      handler = forwardOnly(2500);
      const client = await connect();
      const rows = await client.list<{ id: number }>('company/companies', {
        conditions: 'deletedFlag=False',
        fields: ['id', 'name'],
      });
      expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
      const urls = hits.map((h) => new URL(h.url, origin));
      expect(urls.map((u) => u.searchParams.get('pageId'))).toEqual([null, '1000', '2000']);
      expect(urls.every((u) => !u.searchParams.has('page') && u.searchParams.get('pageSize') === '1000')).toBe(true);
      expect(hits.every((h) => h.headers['pagination-type'] === 'forward-only')).toBe(true);
      expect(urls[0]!.searchParams.get('conditions')).toBe('deletedFlag=False');
      expect(urls[0]!.searchParams.get('fields')).toBe('id,name');
    });

    it('keeps paging after the last id received when the server sends no Link header and pages are full', async () => {
      handler = (req, res) => {
        const after = Number(new URL(req.url ?? '', origin).searchParams.get('pageId') ?? '0');
        json(res, 200, after === 0 ? [{ id: 4 }, { id: 9 }] : after === 9 ? [{ id: 12 }] : []);
      };
      const client = await connect();
      const rows = await client.list('company/companies', { pageSize: 2 });
      expect(rows).toHaveLength(3);
      expect(hits.map((h) => new URL(h.url, origin).searchParams.get('pageId'))).toEqual([null, '9']);
    });

    it('refuses a listing whose next page does not move forward, rather than loop or skip', async () => {
      handler = forwardOnly(5, { pageSize: 2, link: () => `<${origin}/x?pageId=1>; rel="next"` });
      const client = await connect();
      await expect(client.list('company/companies', { pageSize: 2 })).rejects.toThrow(/did not move forward/);
    });

    it('never follows a next link to another host: it asks its own site for the next page', async () => {
      handler = forwardOnly(1500, {
        link: (last) =>
          `<https://other-host.example.com/v2025_1/apis/3.0/company/companies?pageId=${last}&pageSize=1000>; rel="next"`,
      });
      const client = await connect();
      const rows = await client.list<{ id: number }>('company/companies');
      expect(rows).toHaveLength(1500);
      expect(hits.map((h) => new URL(h.url, origin).searchParams.get('pageId'))).toEqual([null, '1000']);
      expect(hits[1]!.headers.host).toBe(new URL(origin).host);
    });

    it('pages by page number when an order is asked for (forward-only paging allows none)', async () => {
      handler = (req, res) => {
        const page = Number(new URL(req.url ?? '', origin).searchParams.get('page'));
        json(res, 200, page === 1 ? [{ id: 2 }, { id: 1 }] : []);
      };
      const client = await connect();
      await client.list('company/companies', { pageSize: 2, orderBy: 'id desc' });
      expect(hits.map((h) => new URL(h.url, origin).searchParams.get('page'))).toEqual(['1', '2']);
      expect(hits[0]!.headers['pagination-type']).toBeUndefined();
    });
  });
});
