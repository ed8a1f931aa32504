import { runDoctor, type DoctorReport } from '../../lib/doctor/run-doctor.js';
import { SecretUnreadableError } from '../../lib/errors.js';
import { ACCOUNT, FakeInspection, doctorDeps, mapping, unauthorized } from './fakes-ops.js';

const row = (report: DoctorReport, id: string) => {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in ${report.checks.map((c) => c.id).join(', ')}`);
  return found;
};

function world(): FakeInspection {
  const cw = new FakeInspection();
  cw.addClient(1);
  cw.addClient(2);
  return cw;
}
const twoMappings = [mapping(1), mapping(2)];

describe('Function: runDoctor (in-memory)', () => {
  it("passes a complete setup, reading every company's Management tab and writing nothing", async () => {
    // Prepare
    const cw = world();
    // Act
    const report = await runDoctor(undefined, doctorDeps(cw, { mappings: twoMappings }));
    // Assess
    expect(report).toMatchObject({ accountId: 'acme', ready: true });
    expect(report.checks.every((c) => c.status === 'ok')).toBe(true);
    expect(cw.calls).toEqual(expect.arrayContaining(['GET companies', 'GET entries 101', 'GET entries 102']));
  });

  describe('Check: managementStatuses', () => {
    it('shows both statuses when the Management record sets them', async () => {
      const report = await runDoctor('acme', doctorDeps(world(), { mappings: twoMappings }));
      expect(row(report, 'managementStatuses')).toMatchObject({
        status: 'ok',
        detail: 'added configurations get status "Active", retired ones "Inactive"',
      });
    });

    it('warns, without failing the setup, when the deleted status is unset: retiring then only deactivates', async () => {
      const cw = world();
      cw.setups = [{ id: 1, addedConfigurationStatus: { id: 1, name: 'Active' }, deletedConfigurationStatus: null }];
      const report = await runDoctor('acme', doctorDeps(cw, { mappings: twoMappings }));
      expect(report.ready).toBe(true);
      expect(row(report, 'managementStatuses')).toMatchObject({
        status: 'warning',
        ok: true,
        detail:
          'deletedConfigurationStatus is not set: retiring a configuration then only deactivates it (activeFlag false), its status stays as it was',
        fix: expect.stringMatching(/^ConnectWise: System > Setup Tables > Management: /),
      });
    });

    it('warns when the added status is unset, and when both name the same status', async () => {
      const cw = world();
      cw.setups = [{ id: 1, deletedConfigurationStatus: { id: 2, name: 'Inactive' } }];
      const unset = await runDoctor('acme', doctorDeps(cw, { mappings: twoMappings }));
      cw.setups = [
        {
          id: 1,
          addedConfigurationStatus: { id: 1, name: 'Active' },
          deletedConfigurationStatus: { id: 1, name: 'Active' },
        },
      ];
      const same = await runDoctor('acme', doctorDeps(cw, { mappings: twoMappings }));
      expect(row(unset, 'managementStatuses')).toMatchObject({
        status: 'warning',
        detail: expect.stringMatching(/^addedConfigurationStatus is not set/),
      });
      expect(row(same, 'managementStatuses')).toMatchObject({
        status: 'warning',
        detail: expect.stringMatching(/both "Active": a retired configuration cannot be told/),
      });
    });

    it('reads the record the publisher syncs on (the lowest id)', async () => {
      const cw = world();
      cw.setups = [
        {
          id: 9,
          addedConfigurationStatus: { id: 1, name: 'Active' },
          deletedConfigurationStatus: { id: 2, name: 'Inactive' },
        },
        { id: 3 },
      ];
      const report = await runDoctor('acme', doctorDeps(cw, { mappings: twoMappings }));
      expect(row(report, 'management').detail).toBe('record #3');
      expect(row(report, 'managementStatuses').status).toBe('warning');
    });

    it('is skipped, naming the check it needs, when there is no Management record', async () => {
      const cw = world();
      cw.setups = [];
      const report = await runDoctor('acme', doctorDeps(cw, { mappings: twoMappings }));
      expect(row(report, 'managementStatuses')).toMatchObject({ status: 'skipped', blockedBy: 'management' });
    });
  });

  describe('Check: accountLimits', () => {
    it('shows requestsPerMinute and maxBillableSpaceGb', async () => {
      const report = await runDoctor('acme', doctorDeps(world(), { mappings: twoMappings }));
      expect(row(report, 'accountLimits')).toMatchObject({
        status: 'ok',
        detail: 'at most 600 ConnectWise requests per minute; usage above 1000000 GB fails the client',
      });
    });

    it('warns above 1000 requests per minute (ConnectWise throttles; other integrations share the site)', async () => {
      const fast = { ...ACCOUNT, requestsPerMinute: 1001 };
      const limit = { ...ACCOUNT, requestsPerMinute: 1000 };
      const warned = await runDoctor('acme', doctorDeps(world(), { accounts: [fast], mappings: twoMappings }));
      const atLimit = await runDoctor('acme', doctorDeps(world(), { accounts: [limit], mappings: twoMappings }));
      expect(warned.ready).toBe(true);
      expect(row(warned, 'accountLimits')).toMatchObject({
        status: 'warning',
        detail: expect.stringMatching(/likely to throttle \(429\), and other integrations/),
      });
      expect(row(atLimit, 'accountLimits').status).toBe('ok');
    });
  });

  describe('dependencies', () => {
    it('skips every ConnectWise check when the secret fails, but still checks the mappings', async () => {
      const deps = doctorDeps(
        world(),
        { mappings: twoMappings },
        {
          secrets: {
            load: async (id) =>
              Promise.reject(new SecretUnreadableError(`secret "${id}" does not exist`, { secretId: id })),
          },
        },
      );
      const report = await runDoctor('acme', deps);
      expect(report.ready).toBe(false);
      expect(report.checks.filter((c) => c.status === 'skipped').map((c) => [c.id, c.blockedBy])).toEqual([
        ['codebase', 'secret'],
        ['credentials', 'codebase'],
        ['solution', 'credentials'],
        ['management', 'credentials'],
        ['managementStatuses', 'management'],
        ['configurationType', 'credentials'],
        ['managedIds', 'solution'],
        ['managementBackup', 'credentials'],
        ['suggestions', 'solution'],
      ]);
      expect(row(report, 'secret').fix).toMatch(/^create the secret in AWS Secrets Manager/);
      expect(row(report, 'mappings').status).toBe('ok');
    });

    it('calls the site reachable and the credentials refused on a 401, with the fix', async () => {
      const cw = world();
      cw.systemInfoError = unauthorized();
      const report = await runDoctor('acme', doctorDeps(cw, { mappings: twoMappings }));
      expect(row(report, 'codebase').status).toBe('ok');
      expect(row(report, 'credentials')).toMatchObject({
        status: 'failed',
        fix: expect.stringMatching(/check publicKey, privateKey, companyId and clientId in secret "cw\/acme"/),
      });
      expect(row(report, 'solution')).toMatchObject({ status: 'skipped', blockedBy: 'credentials' });
    });

    it('still checks the Management Backup setups when the Managed IDs cannot be read', async () => {
      const cw = world();
      cw.listAgreements = () => Promise.reject(new Error('agreements unreadable'));
      const report = await runDoctor('acme', doctorDeps(cw, { mappings: twoMappings }));
      expect(row(report, 'managedIds')).toMatchObject({
        status: 'failed',
        detail: 'agreements unreadable',
        fix: 'see the detail',
      });
      expect(row(report, 'managementBackup')).toMatchObject({
        status: 'ok',
        detail: '1 setup(s); the default agreements in use are not known (see Managed IDs) to check them against',
      });
    });

    it('names the requested account and skips the rest when the accounts table cannot be read', async () => {
      const deps = doctorDeps(
        world(),
        {},
        {
          accounts: {
            get: () => Promise.reject(new Error('no table')),
            list: () => Promise.reject(new Error('no table')),
          },
        },
      );
      const report = await runDoctor('acme', deps);
      expect(report.accountId).toBe('acme');
      expect(row(report, 'table:accounts')).toMatchObject({
        status: 'failed',
        fix: expect.stringMatching(/^check that table accounts exists/),
      });
      expect(row(report, 'account')).toMatchObject({
        check: 'Account acme',
        status: 'skipped',
        blockedBy: 'table:accounts',
      });
      expect(row(report, 'table:mappings').status).toBe('ok');
    });

    it('throws for several accounts without --account', async () => {
      const deps = doctorDeps(world(), { accounts: [ACCOUNT, { ...ACCOUNT, accountId: 'globex' }] });
      await expect(runDoctor(undefined, deps)).rejects.toThrow(
        'there are 2 accounts; choose one with --account (accounts: acme, globex)',
      );
    });
  });
});
