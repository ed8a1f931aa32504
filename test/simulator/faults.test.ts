import type { BackupBillingSetup, CompanyRecord, Simulator } from './index.js';
import { startSimulator } from './index.js';
import { asObject, call, goodHeaders } from './test-helpers.js';

describe('ConnectWise simulator: fault injection', () => {
  let sim: Simulator;
  let setup: BackupBillingSetup;
  let company: CompanyRecord;

  beforeAll(async () => {
    sim = await startSimulator();
    setup = sim.seed.backupBillingSetup();
    company = sim.seed.company({ identifier: 'Faulty', name: 'Faulty' });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.faults.clear();
    sim.resetRequests();
  });

  const body = (name: string): Record<string, unknown> => ({
    name,
    type: { id: setup.configurationType.id },
    company: { id: company.id },
  });
  const countNamed = (name: string): number => sim.state.configurations.filter((c) => c.name === name).length;

  describe('rateLimit', () => {
    it('answers 429 with Retry-After and ConnectWise’s throttling body, without processing', async () => {
      sim.faults.rateLimit({ method: 'POST', path: 'company/configurations', retryAfterSeconds: 7 });
      const res = await call(sim, 'POST', 'company/configurations', { body: body('throttled') });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(res.body).toEqual({
        error: 'ConnectWiseAPI',
        message: 'Too many requests. Please try again in 7 seconds.',
      });
      expect(countNamed('throttled')).toBe(0);
      expect(sim.requests[0]).toMatchObject({ status: 429, fault: 'rateLimit' });
    });

    it('fires `times` times, then lets requests through', async () => {
      // Retry-After 0 imposes no wait: back-to-back retries are not violations here (rate-limit.test.ts).
      sim.faults.rateLimit({ path: 'system/info', times: 2, retryAfterSeconds: 0 });
      expect((await call(sim, 'GET', 'system/info')).status).toBe(429);
      expect((await call(sim, 'GET', 'system/info')).status).toBe(429);
      expect((await call(sim, 'GET', 'system/info')).status).toBe(200);
      expect(sim.faults.pending).toHaveLength(0);
    });

    it('defaults Retry-After to 1 second and matches only the given method and path', async () => {
      sim.faults.rateLimit({ method: 'GET', path: /^company\/configurations\/\d+$/ });
      expect((await call(sim, 'GET', 'company/configurations')).status).toBe(200);
      expect((await call(sim, 'POST', 'company/configurations', { body: body('not-throttled') })).status).toBe(201);
      const res = await call(sim, 'GET', `company/configurations/${sim.state.configurations.all()[0]?.id}`);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('1');
    });
  });

  describe('serverError', () => {
    it('answers the given 5xx with a ConnectWise error body, without processing', async () => {
      sim.faults.serverError({ method: 'POST', path: 'company/configurations', status: 503 });
      const res = await call(sim, 'POST', 'company/configurations', { body: body('errored') });
      expect(res.status).toBe(503);
      expect(typeof asObject(res.body).code).toBe('string');
      expect(typeof asObject(res.body).message).toBe('string');
      expect(countNamed('errored')).toBe(0);
    });

    it('defaults to 500', async () => {
      sim.faults.serverError();
      expect((await call(sim, 'GET', 'system/info')).status).toBe(500);
    });
  });

  describe('dropBeforeProcessing', () => {
    it('destroys the connection and saves nothing', async () => {
      sim.faults.dropBeforeProcessing({ method: 'POST', path: 'company/configurations' });
      await expect(call(sim, 'POST', 'company/configurations', { body: body('dropped-before') })).rejects.toThrow(
        /fetch failed/,
      );
      expect(countNamed('dropped-before')).toBe(0);
      expect(sim.requests[0]).toMatchObject({ status: 0, fault: 'dropBeforeProcessing' });
    });
  });

  describe('dropAfterCommit', () => {
    it('saves the write, then drops the connection: a blind retry creates a duplicate', async () => {
      sim.faults.dropAfterCommit({ method: 'POST', path: 'company/configurations' });
      await expect(call(sim, 'POST', 'company/configurations', { body: body('committed') })).rejects.toThrow(
        /fetch failed/,
      );
      expect(countNamed('committed')).toBe(1);
      expect(sim.requests[0]).toMatchObject({ status: 201, fault: 'dropAfterCommit' });

      const retry = await call(sim, 'POST', 'company/configurations', { body: body('committed') });
      expect(retry.status).toBe(201);
      expect(countNamed('committed')).toBe(2);
    });

    it('applies a PATCH before dropping', async () => {
      const created = asObject((await call(sim, 'POST', 'company/configurations', { body: body('patched') })).body);
      sim.faults.dropAfterCommit({ method: 'PATCH' });
      await expect(
        call(sim, 'PATCH', `company/configurations/${String(created.id)}`, {
          body: [{ op: 'replace', path: 'backupBillableSpaceGb', value: 5 }],
        }),
      ).rejects.toThrow(/fetch failed/);
      expect(sim.state.configurations.get(created.id as number)?.backupBillableSpaceGb).toBe(5);
    });

    it('runs the sync before dropping executeManagedItSync: the additions exist', async () => {
      const client = sim.seed.backupClient(setup, { identifier: 'DropSync', name: 'Drop sync', managedId: 'DS-1' });
      const config = sim.seed.configuration({
        companyId: client.company.id,
        name: 'ds',
        deviceIdentifier: 'ds',
        backupBillableSpaceGb: 4,
      });
      const runs = sim.state.syncRuns.length;
      sim.faults.dropAfterCommit({ path: /executeManagedItSync$/ });
      await expect(call(sim, 'POST', `company/management/${setup.management.id}/executeManagedItSync`)).rejects.toThrow(
        /fetch failed/,
      );
      expect(sim.state.syncRuns).toHaveLength(runs + 1);
      expect(sim.billing()).toContainEqual(expect.objectContaining({ configurationId: config.id, quantity: 4 }));
      expect(sim.requests.at(-1)).toMatchObject({ status: 200, fault: 'dropAfterCommit' });
    });
  });

  describe('echoAuthorization', () => {
    const secretBits = (): string[] => {
      const { companyId, publicKey, privateKey, clientId } = sim.credentials;
      const token = Buffer.from(`${companyId}+${publicKey}:${privateKey}`).toString('base64');
      return [`Basic ${token}`, privateKey, publicKey, clientId];
    };

    it('answers a ConnectWise-shaped error whose message and errors[].message echo the Authorization and clientId headers verbatim', async () => {
      sim.faults.echoAuthorization({ path: 'company/companies', status: 502 });
      const res = await call(sim, 'GET', 'company/companies');
      expect(res.status).toBe(502);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const parsed = asObject(res.body);
      const errors = parsed.errors as Array<{ message: string }>;
      for (const bit of secretBits()) {
        expect(String(parsed.message)).toContain(bit);
        expect(errors[0]?.message).toContain(bit);
      }
      expect(sim.requests[0]).toMatchObject({ status: 502, fault: 'echoAuthorization' });
    });

    it('has a plain-text variant, defaults to 500 and does not process the request', async () => {
      sim.faults.echoAuthorization({ method: 'POST', format: 'text' });
      const res = await call(sim, 'POST', 'company/configurations', { body: body('echoed') });
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      for (const bit of secretBits()) expect(res.text).toContain(bit);
      expect(countNamed('echoed')).toBe(0);
    });

    it('rejects a status that is not an error and an unknown format', () => {
      expect(() => sim.faults.echoAuthorization({ status: 200 })).toThrow(/4xx or 5xx/);
      expect(() => sim.faults.echoAuthorization({ format: 'xml' as 'text' })).toThrow(/format/);
    });
  });

  describe('redirect', () => {
    it('answers 302 with a Location on the simulator’s /__redirected/ path, keeping the query, without processing', async () => {
      sim.faults.redirect({ path: 'company/companies' });
      const res = await fetch(
        `${sim.url}/${sim.codebase}apis/3.0/company/companies?pageSize=1000&conditions=id%20%3D%201`,
        {
          headers: goodHeaders(sim),
          redirect: 'manual',
        },
      );
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(
        `${sim.url}/__redirected/company/companies?pageSize=1000&conditions=id%20%3D%201`,
      );
      expect(sim.requests).toHaveLength(1);
      expect(sim.requests[0]).toMatchObject({ status: 302, fault: 'redirect' });
      expect(sim.redirectsFollowed).toEqual([]);
    });

    it('records a client that follows it, and whether the credentials went along', async () => {
      sim.faults.redirect({ path: 'company/companies', status: 307 });
      const res = await fetch(`${sim.url}/${sim.codebase}apis/3.0/company/companies?page=2`, {
        headers: goodHeaders(sim),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual([]);
      expect(sim.redirectsFollowed).toEqual([
        expect.objectContaining({
          method: 'GET',
          path: 'company/companies',
          query: { page: '2' },
          authorizationSent: true,
          clientIdSent: true,
        }),
      ]);
      expect(sim.requests.map((r) => r.path)).toEqual(['company/companies', '__redirected/company/companies']);
    });

    it('takes any Location (e.g. another host) and rejects a non-redirect status', async () => {
      sim.faults.redirect({ status: 301, location: 'http://127.0.0.2:9/elsewhere' });
      const res = await fetch(`${sim.url}/${sim.codebase}apis/3.0/system/info`, {
        headers: goodHeaders(sim),
        redirect: 'manual',
      });
      expect(res.status).toBe(301);
      expect(res.headers.get('location')).toBe('http://127.0.0.2:9/elsewhere');
      expect(() => sim.faults.redirect({ status: 200 })).toThrow(/redirect status/);
      expect(() => sim.faults.redirect({ location: ' ' })).toThrow(/location/);
    });
  });

  describe('delay', () => {
    it('answers late', async () => {
      sim.faults.delay({ path: 'system/info', ms: 200 });
      const started = Date.now();
      expect((await call(sim, 'GET', 'system/info')).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    });

    it('still performs the write after a client timed out', async () => {
      sim.faults.delay({ method: 'POST', path: 'company/configurations', ms: 300 });
      await expect(
        call(sim, 'POST', 'company/configurations', { body: body('slow'), signal: AbortSignal.timeout(50) }),
      ).rejects.toThrow(/timeout|aborted/i);
      expect(countNamed('slow')).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 450));
      expect(countNamed('slow')).toBe(1);
    });
  });

  it('clear() removes pending faults', async () => {
    sim.faults.serverError({ times: 5 });
    expect(sim.faults.pending).toHaveLength(1);
    sim.faults.clear();
    expect((await call(sim, 'GET', 'system/info')).status).toBe(200);
  });

  it('applies faults in the order they were added, one per request', async () => {
    sim.faults.rateLimit({ path: 'system/info', retryAfterSeconds: 0 });
    sim.faults.serverError({ path: 'system/info', status: 502 });
    expect((await call(sim, 'GET', 'system/info')).status).toBe(429);
    expect((await call(sim, 'GET', 'system/info')).status).toBe(502);
    expect((await call(sim, 'GET', 'system/info')).status).toBe(200);
  });

  it('rejects nonsensical fault options', () => {
    expect(() => sim.faults.serverError({ status: 404 })).toThrow(/5xx/);
    expect(() => sim.faults.rateLimit({ times: 0 })).toThrow(/times/);
    expect(() => sim.faults.delay({ ms: -1 })).toThrow(/ms/);
  });

  describe('unreadableAfterCommit', () => {
    it('saves the write, then answers 200 with an HTML page or an empty body instead of the record', async () => {
      sim.faults.unreadableAfterCommit({ method: 'POST', path: 'company/configurations' });
      const html = await call(sim, 'POST', 'company/configurations', { body: body('html-answer') });
      expect(html.status).toBe(200);
      expect(html.headers.get('content-type')).toBe('text/html');
      expect(html.text).toMatch(/<html>/);
      expect(countNamed('html-answer')).toBe(1);
      sim.faults.unreadableAfterCommit({ method: 'POST', path: 'company/configurations', body: 'empty' });
      const empty = await call(sim, 'POST', 'company/configurations', { body: body('empty-answer') });
      expect([empty.status, empty.text]).toEqual([200, '']);
      expect(countNamed('empty-answer')).toBe(1);
      expect(sim.requests.map((r) => r.fault)).toEqual(['unreadableAfterCommit', 'unreadableAfterCommit']);
    });
  });

  describe('hook', () => {
    it('runs before the matching request is processed, so the answer sees what it changed', async () => {
      const order: string[] = [];
      sim.faults.hook({
        method: 'GET',
        path: 'company/configurations',
        run: async () => {
          order.push('hook');
          sim.seed.configuration({ companyId: company.id, name: 'added-by-hook', typeId: setup.configurationType.id });
        },
      });
      const res = await call(sim, 'GET', 'company/configurations', { query: { pageSize: 1000 } });
      order.push('answer');
      expect(order).toEqual(['hook', 'answer']);
      expect((res.body as { name: string }[]).some((c) => c.name === 'added-by-hook')).toBe(true);
      expect(sim.faults.pending).toHaveLength(0);
    });
  });
});
