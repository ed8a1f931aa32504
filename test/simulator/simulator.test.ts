import type { Simulator } from './index.js';
import { startSimulator } from './index.js';
import { asArray, asObject, basicAuth, call } from './test-helpers.js';

describe('ConnectWise simulator: connection, auth and routing', () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator({ companyId: 'acme', publicKey: 'pub', privateKey: 'priv' });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.resetRequests();
    sim.faults.clear();
  });

  describe('GET /login/companyinfo/{companyId}', () => {
    it('answers the codebase for the simulated company, without auth and case-insensitively', async () => {
      const res = await fetch(`${sim.url}/login/companyinfo/ACME`);
      expect(res.status).toBe(200);
      const body = asObject(await res.json());
      expect(body).toMatchObject({ Codebase: 'v2025_1/', CompanyID: 'acme', VersionCode: 'v2025.1', IsCloud: false });
      expect(typeof body.CompanyName).toBe('string');
    });

    it('answers 200 with a JSON null for an unknown company', async () => {
      const res = await fetch(`${sim.url}/login/companyinfo/nobody`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('null');
    });

    it('honours a custom codebase', async () => {
      const other = await startSimulator({ codebase: 'v4_6_release' });
      try {
        const info = asObject(await (await fetch(`${other.url}/login/companyinfo/acme`)).json());
        expect(info.Codebase).toBe('v4_6_release/');
        expect(other.codebase).toBe('v4_6_release/');
        const res = await call(other, 'GET', 'system/info');
        expect(res.status).toBe(200);
      } finally {
        await other.close();
      }
    });
  });

  describe('codebase and paths', () => {
    it('answers 404 with a ConnectWise error body under a wrong codebase', async () => {
      const res = await fetch(`${sim.url}/v4_6_release/apis/3.0/system/info`, {
        headers: {
          authorization: basicAuth('acme', 'pub', 'priv'),
          clientId: sim.credentials.clientId,
          accept: 'application/json',
        },
      });
      expect(res.status).toBe(404);
      expect(asObject(await res.json())).toMatchObject({ code: 'NotFound' });
    });

    it('answers 404 without any codebase', async () => {
      const res = await fetch(`${sim.url}/apis/3.0/system/info`, { headers: { accept: 'application/json' } });
      expect(res.status).toBe(404);
    });

    it('answers 404 for a path ConnectWise does not have, and for a wrongly cased one', async () => {
      expect((await call(sim, 'GET', 'company/nothingHere')).status).toBe(404);
      expect((await call(sim, 'GET', 'company/Configurations')).status).toBe(404);
      expect((await call(sim, 'GET', 'company/configurations/abc')).status).toBe(404);
    });

    it('answers 405 with Allow for a method the path does not support (no POST on company/management)', async () => {
      const res = await call(sim, 'POST', 'company/management', { body: {} });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET');
      expect(asObject(res.body).code).toBe('MethodNotAllowed');
    });

    it('answers 501 for a real ConnectWise path the simulator does not model', async () => {
      const res = await call(sim, 'GET', 'company/contacts');
      expect(res.status).toBe(501);
    });
  });

  describe('authentication', () => {
    it('accepts the exact Basic credentials and answers system/info', async () => {
      const res = await call(sim, 'GET', 'system/info');
      expect(res.status).toBe(200);
      expect(asObject(res.body)).toMatchObject({ isCloud: false });
      expect(res.headers.get('api-current-version')).toBeTruthy();
    });

    it.each([
      ['a wrong private key', basicAuth('acme', 'pub', 'wrong')],
      ['a wrong public key', basicAuth('acme', 'nope', 'priv')],
      ['a wrong company', basicAuth('other', 'pub', 'priv')],
      ['a company differing in case', basicAuth('ACME', 'pub', 'priv')],
      ['a missing company prefix', `Basic ${Buffer.from('pub:priv').toString('base64')}`],
      ['a Bearer token', 'Bearer abc'],
    ])('answers 401 Unauthorized for %s', async (_label, authorization) => {
      const res = await call(sim, 'GET', 'company/companies', { headers: { authorization } });
      expect(res.status).toBe(401);
      expect(asObject(res.body).code).toBe('Unauthorized');
    });

    it('answers 401 without an Authorization header', async () => {
      const res = await call(sim, 'GET', 'company/companies', { headers: { authorization: undefined } });
      expect(res.status).toBe(401);
    });

    it('answers 401 naming clientId when the clientId header is missing', async () => {
      const res = await call(sim, 'GET', 'company/companies', { headers: { clientId: undefined } });
      expect(res.status).toBe(401);
      expect(String(asObject(res.body).message)).toMatch(/clientId/);
    });

    it('answers 401 for an unregistered clientId', async () => {
      const res = await call(sim, 'GET', 'company/companies', {
        headers: { clientId: '99999999-2222-3333-4444-555555555555' },
      });
      expect(res.status).toBe(401);
    });
  });

  describe('Accept header', () => {
    it.each([
      'application/json',
      'application/vnd.connectwise.com+json; version=2022.1',
      'application/json, text/plain, */*',
    ])('accepts %s', async (accept) => {
      expect((await call(sim, 'GET', 'system/info', { headers: { accept } })).status).toBe(200);
    });

    it.each(['text/html', '*/*', 'application/xml'])('answers 406 for %s', async (accept) => {
      expect((await call(sim, 'GET', 'system/info', { headers: { accept } })).status).toBe(406);
    });
  });

  describe('query parameters', () => {
    it('rejects a parameter the operation does not declare (a typo must not silently list everything)', async () => {
      const res = await call(sim, 'GET', 'company/companies', { query: { condition: 'id = 1' } });
      expect(res.status).toBe(400);
      expect(String(asObject(res.body).message)).toMatch(/condition/);
    });

    it('rejects a repeated parameter', async () => {
      const url = `${sim.url}/${sim.codebase}apis/3.0/company/companies?page=1&page=2`;
      const res = await fetch(url, {
        headers: {
          authorization: basicAuth('acme', 'pub', 'priv'),
          clientId: sim.credentials.clientId,
          accept: 'application/json',
        },
      });
      expect(res.status).toBe(400);
    });

    it('answers 501 for childConditions, which the simulator does not implement', async () => {
      expect((await call(sim, 'GET', 'company/companies', { query: { childConditions: 'types/id = 1' } })).status).toBe(
        501,
      );
    });
  });

  describe('recording and latency', () => {
    it('records every request with its relative path, decoded query, status and body', async () => {
      const company = sim.seed.company({ identifier: `Rec${Date.now()}`, name: 'Recorded' });
      await call(sim, 'GET', 'company/configurations', {
        query: { conditions: `company/id = ${company.id}`, pageSize: 10 },
      });
      await call(sim, 'POST', 'company/configurations', { body: { name: 'x' } });
      expect(sim.requests).toHaveLength(2);
      expect(sim.requests[0]).toMatchObject({
        method: 'GET',
        path: 'company/configurations',
        query: { conditions: `company/id = ${company.id}`, pageSize: '10' },
        status: 200,
      });
      expect(sim.requests[1]).toMatchObject({
        method: 'POST',
        path: 'company/configurations',
        status: 400,
        body: { name: 'x' },
      });
      expect(sim.requests[1]?.headers.clientid).toBe(sim.credentials.clientId);
      sim.resetRequests();
      expect(sim.requests).toHaveLength(0);
    });

    it('counts and selects requests by method, path (string or RegExp), status and fault', async () => {
      const setup = sim.seed.backupBillingSetup();
      const one = sim.seed.backupClient(setup, { identifier: 'One', name: 'One', managedId: 'O-1' });
      const two = sim.seed.backupClient(setup, { identifier: 'Two', name: 'Two', managedId: 'T-1' });
      sim.resetRequests();
      await call(sim, 'GET', `company/companies/${two.company.id}/managementSummaryReports`);
      await call(sim, 'GET', `company/companies/${one.company.id}/managementSummaryReports/count`);
      await call(sim, 'GET', `company/companies/${two.company.id}/managementSummaryReports`, {
        query: { pageSize: 1000 },
      });
      await call(sim, 'GET', 'company/companies');
      await call(sim, 'GET', 'company/companies', { query: { pageSize: 1001 } });
      await call(sim, 'POST', 'company/configurations', { body: {} });
      expect(sim.countRequests()).toBe(6);
      expect(sim.countRequests({ method: 'get', path: /managementSummaryReports/ })).toBe(3);
      expect(sim.countRequests({ path: '/company/companies' })).toBe(2);
      expect(sim.countRequests({ path: 'company/companies', status: 400 })).toBe(1);
      expect(sim.countRequests({ method: 'DELETE' })).toBe(0);
      expect(sim.requestsMatching({ method: 'POST' })).toEqual([
        expect.objectContaining({ path: 'company/configurations', status: 400 }),
      ]);
      expect(sim.managementTabsRead()).toEqual([one.company.id, two.company.id]);
    });

    it('adds the configured latency before answering', async () => {
      sim.setLatency(120);
      try {
        const started = Date.now();
        expect((await call(sim, 'GET', 'system/info')).status).toBe(200);
        expect(Date.now() - started).toBeGreaterThanOrEqual(110);
      } finally {
        sim.setLatency(0);
      }
    });
  });

  describe('reads', () => {
    it('lists companies with ConnectWise shapes, omitting null properties', async () => {
      const company = sim.seed.company({ identifier: 'Shapes', name: 'Shapes Inc' });
      const res = await call(sim, 'GET', `company/companies/${company.id}`);
      expect(res.status).toBe(200);
      const body = asObject(res.body);
      expect(body).toMatchObject({ id: company.id, identifier: 'Shapes', name: 'Shapes Inc', deletedFlag: false });
      expect(asObject(body._info).lastUpdated).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(Object.values(body)).not.toContain(null);
      expect('addressLine1' in body).toBe(false);
    });

    it('answers 404 for a missing record, and for a company id used as a configuration id', async () => {
      const company = sim.seed.company({ identifier: 'Mixup', name: 'Mixup' });
      expect((await call(sim, 'GET', `company/configurations/${company.id}`)).status).toBe(404);
    });

    it('answers 404 for a Management tab entry read through another company', async () => {
      const setup = sim.seed.backupBillingSetup({
        solutionName: 'ReadsSol',
        itemIdentifier: 'READS-GB',
        agreementTypeName: 'Reads type',
      });
      const a = sim.seed.backupClient(setup, { identifier: 'ReadsA', name: 'A', managedId: 'RA' });
      const b = sim.seed.company({ identifier: 'ReadsB', name: 'B' });
      expect(
        (await call(sim, 'GET', `company/companies/${a.company.id}/managementSummaryReports/${a.entry.id}`)).status,
      ).toBe(200);
      expect((await call(sim, 'GET', `company/companies/${b.id}/managementSummaryReports/${a.entry.id}`)).status).toBe(
        404,
      );
      expect((await call(sim, 'GET', `company/companies/99999/managementSummaryReports`)).status).toBe(404);
      const list = asArray((await call(sim, 'GET', `company/companies/${a.company.id}/managementSummaryReports`)).body);
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({
        groupIdentifier: 'RA',
        deviceType: 'BackupStats',
        managementSolution: { id: setup.solution.id, name: 'ReadsSol' },
      });
    });

    it('serves the setup collections the product reads', async () => {
      const setup = sim.seed.backupBillingSetup({
        solutionName: 'SetupSol',
        itemIdentifier: 'SETUP-GB',
        agreementTypeName: 'Setup type',
      });
      const solutions = asArray(
        (await call(sim, 'GET', 'company/managementItSolutions', { query: { conditions: 'name = "SetupSol"' } })).body,
      );
      expect(solutions).toEqual([
        expect.objectContaining({ id: setup.solution.id, managementItSolutionType: 'Custom' }),
      ]);
      const types = asArray((await call(sim, 'GET', 'company/configurations/types')).body);
      expect(types.map((t) => t.name)).toContain('Backup Stats');
      const statuses = asArray((await call(sim, 'GET', 'company/configurations/statuses')).body);
      expect(statuses.some((s) => s.defaultFlag === true && typeof s.description === 'string' && !('name' in s))).toBe(
        true,
      );
      const management = asArray((await call(sim, 'GET', 'company/management')).body);
      expect(management[0]).toMatchObject({
        id: setup.management.id,
        addedConfigurationStatus: { id: setup.activeStatus.id },
      });
      const backups = asArray(
        (
          await call(sim, 'GET', 'company/managementBackups', {
            query: { conditions: `id = ${setup.managementBackup.id}` },
          })
        ).body,
      );
      expect(backups).toEqual([
        expect.objectContaining({
          billingLevel: 'Detail',
          item: expect.objectContaining({ id: setup.catalogItem.id, identifier: 'SETUP-GB' }),
        }),
      ]);
      const catalog = asArray(
        (await call(sim, 'GET', 'procurement/catalog', { query: { conditions: 'identifier = "SETUP-GB"' } })).body,
      );
      expect(catalog).toHaveLength(1);
    });
  });
});
