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
    it('follows Link rel="next" with pageSize 1000 until there is none', async () => {
      handler = (req, res) => {
        const url = new URL(req.url ?? '', origin);
        const page = Number(url.searchParams.get('page'));
        const next = new URL(url);
        next.searchParams.set('page', String(page + 1));
        json(
          res,
          200,
          [{ id: page }],
          page < 3
            ? { link: `<${next.href}>; rel="next", <${origin}/x>; rel="last"` }
            : { link: `<${origin}/x>; rel="first"` },
        );
      };
      const client = await connect();
      const rows = await client.list<{ id: number }>('company/companies', {
        conditions: 'deletedFlag=False',
        fields: ['id', 'name'],
      });
      expect(rows.map((r) => r.id)).toEqual([1, 2, 3]);
      const first = new URL(hits[0]!.url, origin);
      expect(first.searchParams.get('pageSize')).toBe('1000');
      expect(first.searchParams.get('conditions')).toBe('deletedFlag=False');
      expect(first.searchParams.get('fields')).toBe('id,name');
    });

    it('keeps paging by page number when the server sends no Link header and pages are full', async () => {
      handler = (req, res) => {
        const url = new URL(req.url ?? '', origin);
        const page = Number(url.searchParams.get('page'));
        json(res, 200, page === 1 ? [{ id: 1 }, { id: 2 }] : page === 2 ? [{ id: 3 }] : []);
      };
      const client = await connect();
      const rows = await client.list('company/companies', { pageSize: 2 });
      expect(rows).toHaveLength(3);
      expect(hits).toHaveLength(2);
    });

    it('never follows a next link to another host: it asks its own site for the next page', async () => {
      handler = (req, res) => {
        const page = Number(new URL(req.url ?? '', origin).searchParams.get('page'));
        json(
          res,
          200,
          [{ id: page }],
          page === 1
            ? {
                link: '<https://other-host.example.com/v2025_1/apis/3.0/company/companies?page=2&pageSize=1000>; rel="next"',
              }
            : {},
        );
      };
      const client = await connect();
      const rows = await client.list<{ id: number }>('company/companies');
      expect(rows.map((r) => r.id)).toEqual([1, 2]);
      expect(hits.map((h) => new URL(h.url, origin).searchParams.get('page'))).toEqual(['1', '2']);
      expect(hits[1]!.headers.host).toBe(new URL(origin).host);
    });
  });
});
