import { ConnectWiseGateway, COMPANY_IDS_PER_REQUEST } from '../../lib/connectwise/gateway.js';
import { ConnectWiseClient } from '../../lib/connectwise/http-client.js';
import { SiteGovernorRegistry } from '../../lib/connectwise/site-governor.js';
import { describeError, InputValidationError, RunDeadlineError } from '../../lib/errors.js';
import { startSimulator, type Simulator } from '../simulator/index.js';

/** The gateway against the ConnectWise simulator (a real loopback server with ConnectWise's shapes). */
describe('Class: ConnectWiseGateway (simulator)', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());
  beforeEach(() => {
    sim.resetRequests();
    sim.faults.clear();
  });

  const gateway = async (options: Parameters<typeof ConnectWiseClient.connect>[1] = {}) =>
    new ConnectWiseGateway(
      await ConnectWiseClient.connect(
        { site: sim.url, ...sim.credentials, codebase: sim.codebase },
        {
          governors: new SiteGovernorRegistry(),
          retry: { baseDelayMs: 1, maxDelayMs: 5 },
          random: () => 0,
          ...options,
        },
      ),
    );

  it('has no way to delete (contract: never DELETE)', async () => {
    const cw = await gateway();
    expect('deleteConfiguration' in cw).toBe(false);
  });

  describe('Method: listCompaniesByIds', () => {
    it('asks for at most 100 ids per request with `id in (...)`, once per id, deleted companies included', async () => {
      const companies = Array.from({ length: 230 }, (_, i) =>
        sim.seed.company({ identifier: `C${i}`, name: `Company ${i}`, deletedFlag: i % 50 === 0 }),
      );
      sim.seed.company({ identifier: 'NOT-ASKED', name: 'Not asked' });
      const ids = companies.map((c) => c.id);
      const cw = await gateway();
      sim.resetRequests();

      const found = await cw.listCompaniesByIds([...ids, ...ids.slice(0, 10)]);

      expect(found.map((c) => c.id).sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
      expect(found.filter((c) => c.deletedFlag).length).toBe(5);
      expect(Object.keys(found[0]!).sort()).toEqual(['deletedFlag', 'id', 'identifier', 'name']);
      const requests = sim.requestsMatching({ method: 'GET', path: 'company/companies' });
      expect(requests).toHaveLength(3);
      for (const request of requests) {
        const match = /^id in \(([\d,]+)\)$/.exec(request.query.conditions ?? '');
        expect(match).not.toBeNull();
        expect(match![1]!.split(',').length).toBeLessThanOrEqual(COMPANY_IDS_PER_REQUEST);
        expect(request.query.fields).toBe('id,identifier,name,deletedFlag');
      }
    });

    it('sends nothing for no ids', async () => {
      const cw = await gateway();
      sim.resetRequests();
      await expect(cw.listCompaniesByIds([])).resolves.toEqual([]);
      expect(sim.requests).toHaveLength(0);
    });

    it.each([1.5, 0, -3, Number.NaN, 2 ** 60])('refuses %p before sending anything', async (bad) => {
      const cw = await gateway();
      sim.resetRequests();
      await expect(cw.listCompaniesByIds([1, bad])).rejects.toBeInstanceOf(InputValidationError);
      expect(sim.requests).toHaveLength(0);
    });
  });

  describe('configuration status', () => {
    it('lists configurations with their status, patches the status by id, and the Management record names the statuses', async () => {
      const setup = sim.seed.backupBillingSetup();
      const client = sim.seed.backupClient(setup, { identifier: 'ALPHA', name: 'Alpha', managedId: 'm-1' });
      const cw = await gateway();
      const [management] = await cw.listManagementSetups();
      expect(management!.addedConfigurationStatus?.id).toEqual(expect.any(Number));
      expect(management!.deletedConfigurationStatus?.id).toEqual(expect.any(Number));
      const created = await cw.createConfiguration({
        name: 'Alpha backup',
        vendorNotes: 'connectwise-usage-publisher account=a-1 client=c-1',
        type: { id: setup.configurationType.id },
        company: { id: client.company.id },
        deviceIdentifier: 'c-1',
        activeFlag: true,
        backupBillableSpaceGb: 10,
        backupYear: 2026,
        backupMonth: 10,
      });
      const deletedStatus = management!.deletedConfigurationStatus!;
      await cw.patchConfiguration(created.id, [
        { op: 'replace', path: 'activeFlag', value: false },
        { op: 'replace', path: 'status', value: { id: deletedStatus.id } },
      ]);
      const [listed] = (await cw.listConfigurations(setup.configurationType.name, client.company.id)).filter(
        (c) => c.id === created.id,
      );
      expect(listed).toMatchObject({ activeFlag: false, status: { id: deletedStatus.id } });
    });
  });

  describe("the simulator's faults", () => {
    it('a 429 on one request holds the queued ones: the slot it frees is not used before the Retry-After', async () => {
      sim.seed.company({ identifier: 'X', name: 'X' });
      sim.faults.rateLimit({ path: 'company/companies', retryAfterSeconds: 1 });
      // One in flight, so the other three are queued (not in flight) when the 429 arrives.
      const cw = await gateway({ concurrency: 1 });
      await Promise.all([
        cw.listCompanies(),
        cw.listManagementSetups(),
        cw.findConfigurationTypes('Backup Stats'),
        cw.listCompanies(),
      ]);
      expect(sim.requestsMatching({ status: 429 })).toHaveLength(1);
      expect(sim.violations).toEqual([]);
    });

    it('an answer echoing the credentials leaves no trace of them in the error', async () => {
      sim.faults.echoAuthorization({ status: 400, format: 'json' });
      sim.faults.echoAuthorization({ status: 502, format: 'text' });
      const cw = await gateway();
      const { publicKey, privateKey } = sim.credentials;
      for (const _ of [1, 2]) {
        const error = await cw.listCompanies().catch((e: unknown) => e);
        const all = `${describeError(error)} ${JSON.stringify(error)}`;
        expect(all).not.toContain(publicKey);
        expect(all).not.toContain(privateKey);
        expect(all).not.toMatch(/Basic\s+[A-Za-z0-9+/=]{8,}/);
      }
    });

    it('a redirect is not followed', async () => {
      sim.faults.redirect({ path: 'company/companies' });
      const cw = await gateway();
      await expect(cw.listCompanies()).rejects.toThrow(
        /ConnectWise answered 302 \(redirect to 127\.0\.0\.1:\d+\); redirects are not followed/,
      );
      expect(sim.redirectsFollowed).toEqual([]);
    });

    it('a long Retry-After past the run deadline stops with RunDeadlineError', async () => {
      sim.faults.rateLimit({ retryAfterSeconds: 120 });
      const cw = await gateway({ deadlineAt: Date.now() + 10_000 });
      await expect(cw.listCompanies()).rejects.toBeInstanceOf(RunDeadlineError);
      expect(sim.requests).toHaveLength(1);
    });
  });
});
