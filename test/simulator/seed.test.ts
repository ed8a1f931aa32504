import type { Simulator } from './index.js';
import { startSimulator } from './index.js';
import { asArray, call } from './test-helpers.js';

describe('ConnectWise simulator: seed helpers', () => {
  let sim: Simulator;

  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(async () => {
    await sim.close();
  });

  it('auto-increments ids per collection from distinct starting values', () => {
    const a = sim.seed.company({ identifier: 'A', name: 'A' });
    const b = sim.seed.company({ identifier: 'B', name: 'B' });
    const type = sim.seed.configurationType({ name: 'Backup Stats' });
    const cfg = sim.seed.configuration({ companyId: a.id, typeId: type.id, name: 'x' });
    expect(b.id).toBe(a.id + 1);
    expect(new Set([a.id, type.id, cfg.id]).size).toBe(3);
    expect(sim.state.companies.get(a.id)).toBe(a);
  });

  it('fills configuration defaults like ConnectWise: active, not billed, default status, Backup Stats type', () => {
    const status = sim.seed.configurationStatus({ description: 'Active', defaultFlag: true });
    sim.seed.configurationType({ name: 'Backup Stats' });
    const company = sim.seed.company({ identifier: 'C', name: 'C' });
    const cfg = sim.seed.configuration({ companyId: company.id, name: 'x', backupBillableSpaceGb: 3 });
    expect(cfg).toMatchObject({
      activeFlag: true,
      billFlag: false,
      status: { id: status.id },
      type: { name: 'Backup Stats' },
      backupBillableSpaceGb: 3,
    });
  });

  it('keeps a single default status', () => {
    const first = sim.seed.configurationStatus({ description: 'One', defaultFlag: true });
    const second = sim.seed.configurationStatus({ description: 'Two', defaultFlag: true });
    expect(sim.state.configurationStatuses.get(first.id)?.defaultFlag).toBe(false);
    expect(sim.state.configurationStatuses.get(second.id)?.defaultFlag).toBe(true);
  });

  it.each([
    [
      'an over-long company identifier',
      (s: Simulator) => s.seed.company({ identifier: 'x'.repeat(31), name: 'n' }),
      /identifier/,
    ],
    [
      'a duplicate company identifier',
      (s: Simulator) => (
        s.seed.company({ identifier: 'D', name: 'n' }),
        s.seed.company({ identifier: 'd', name: 'm' })
      ),
      /already used/,
    ],
    ['an over-long solution name', (s: Simulator) => s.seed.managementItSolution({ name: 'x'.repeat(31) }), /name/],
    [
      'an entry for a missing company',
      (s: Simulator) => s.seed.managementEntry(1, { groupIdentifier: 'g', solutionId: 1 }),
      /company 1 does not exist/,
    ],
    [
      'an unknown configuration property',
      (s: Simulator) => {
        const c = s.seed.company({ identifier: 'E', name: 'E' });
        const t = s.seed.configurationType({ name: 'T' });
        return s.seed.configuration({ companyId: c.id, typeId: t.id, name: 'x', billableGb: 3 });
      },
      /billableGb/,
    ],
    [
      'a configuration without a type and no Backup Stats type',
      (s: Simulator) =>
        s.seed.configuration({ companyId: s.seed.company({ identifier: 'F', name: 'F' }).id, name: 'x' }),
      /Backup Stats/,
    ],
    [
      'an agreement of another company as default agreement',
      (s: Simulator) => {
        const setup = s.seed.backupBillingSetup();
        const one = s.seed.company({ identifier: 'One', name: 'One' });
        const two = s.seed.company({ identifier: 'Two', name: 'Two' });
        const agreement = s.seed.agreement({ name: 'a', companyId: one.id, typeId: setup.agreementType.id });
        return s.seed.managementEntry(two.id, {
          groupIdentifier: 'g',
          solutionId: setup.solution.id,
          agreementId: agreement.id,
        });
      },
      /belongs to company/,
    ],
    [
      'a second Management Backup for one agreement type',
      (s: Simulator) => {
        const setup = s.seed.backupBillingSetup();
        return s.seed.managementBackup({
          agreementTypeId: setup.agreementType.id,
          catalogItemId: setup.catalogItem.id,
          billingLevel: 'Summary',
        });
      },
      /already has/,
    ],
  ])('throws for %s', (_label, act, message) => {
    expect(() => act(sim)).toThrow(message);
  });

  it('backupBillingSetup and backupClient build a complete, syncable setup', () => {
    const setup = sim.seed.backupBillingSetup({ solutionName: 'Acme Backup', billingLevel: 'Summary' });
    const client = sim.seed.backupClient(setup, { identifier: 'Client', name: 'Client', managedId: 'M-9' });
    expect(setup.solution).toMatchObject({
      name: 'Acme Backup',
      managementItSolutionType: 'Custom',
      managementSolutionName: 'Acme Backup',
    });
    expect(setup.managementBackup).toMatchObject({
      billingLevel: 'Summary',
      type: { id: setup.agreementType.id },
      item: { id: setup.catalogItem.id },
    });
    expect(client.entry).toMatchObject({
      groupIdentifier: 'M-9',
      deviceType: 'BackupStats',
      agreement: { id: client.agreement.id },
      company: { id: client.company.id },
    });
    expect(client.agreement).toMatchObject({ agreementStatus: 'Active', company: { id: client.company.id } });
    expect(sim.state.management.size).toBe(1);
  });

  describe('noiseCompanies', () => {
    it('adds n companies that carry none of our Managed IDs, cheaply for thousands', async () => {
      const setup = sim.seed.backupBillingSetup();
      sim.seed.backupClient(setup, { identifier: 'Ours', name: 'Ours', managedId: 'M-1' });
      const noise = sim.seed.noiseCompanies(3000);
      expect(noise).toHaveLength(3000);
      expect(noise[2999]).toMatchObject({ identifier: 'Noise3000', deletedFlag: false });
      expect(sim.state.companies.size).toBe(3001);
      expect(sim.state.managementEntries.size).toBe(1);
      const count = await call(sim, 'GET', 'company/companies/count');
      expect(count.body).toEqual({ count: 3001 });
    });

    it('can give each one an entry of another solution, and refuses an identifier already used', () => {
      const setup = sim.seed.backupBillingSetup({ solutionName: 'Ours' });
      const noise = sim.seed.noiseCompanies(2, { prefix: 'Rmm', otherSolutionName: 'Some RMM' });
      const entries = sim.state.managementEntries.all();
      expect(entries.map((e) => [e.company.id, e.groupIdentifier, e.managementSolution.name])).toEqual([
        [noise[0]?.id, 'Rmm-1', 'Some RMM'],
        [noise[1]?.id, 'Rmm-2', 'Some RMM'],
      ]);
      expect(entries.every((e) => e.managementSolution.id !== setup.solution.id)).toBe(true);
      expect(() => sim.seed.noiseCompanies(1, { prefix: 'Rmm' })).toThrow(/Rmm1 already used/);
      expect(() => sim.seed.noiseCompanies(-1)).toThrow(/non-negative/);
    });
  });

  describe('otherVendorConfiguration', () => {
    it('adds another vendor’s configuration of the billed type with the same deviceIdentifier, and its solution’s entry', async () => {
      const setup = sim.seed.backupBillingSetup();
      const client = sim.seed.backupClient(setup, { identifier: 'Shared', name: 'Shared', managedId: 'M-1' });
      const ours = sim.seed.configuration({
        companyId: client.company.id,
        name: 'Backup c-1',
        deviceIdentifier: 'c-1',
        backupBillableSpaceGb: 5,
      });
      const other = sim.seed.otherVendorConfiguration(client.company.id, {
        deviceIdentifier: 'c-1',
        fields: { backupBillableSpaceGb: 9 },
      });
      expect(other.configuration).toMatchObject({
        deviceIdentifier: 'c-1',
        type: { id: setup.configurationType.id },
        company: { id: client.company.id },
        backupBillableSpaceGb: 9,
      });
      expect(other.entry).toMatchObject({
        groupIdentifier: 'OTHER-c-1',
        managementSolution: { id: other.solution.id, name: 'Other Vendor Backup' },
        deviceType: 'BackupStats',
      });
      expect(other.entry?.agreement ?? null).toBeNull();
      const same = await call(sim, 'GET', 'company/configurations', {
        query: { conditions: `deviceIdentifier = "c-1" and company/id = ${client.company.id}` },
      });
      expect(asArray(same.body).map((r) => r.id)).toEqual([ours.id, other.configuration.id]);
      const managed = await call(sim, 'GET', 'company/configurations', { query: { managedIdentifier: 'c-1' } });
      expect(asArray(managed.body).map((r) => r.id)).toEqual([other.configuration.id]);
      expect(
        sim.seed.otherVendorConfiguration(client.company.id, { deviceIdentifier: 'c-2', managedId: null }).entry,
      ).toBeUndefined();
    });
  });

  describe('moveManagedId', () => {
    it('moves the entry to the other company with a default agreement there; the old company’s configuration stops billing at the next sync', async () => {
      const setup = sim.seed.backupBillingSetup();
      const from = sim.seed.backupClient(setup, { identifier: 'From', name: 'From', managedId: 'M-7' });
      const to = sim.seed.company({ identifier: 'To', name: 'To' });
      const config = sim.seed.configuration({
        companyId: from.company.id,
        name: 'Backup c-7',
        deviceIdentifier: 'c-7',
        backupBillableSpaceGb: 3,
      });
      await call(sim, 'POST', `company/management/${setup.management.id}/executeManagedItSync`);
      expect(sim.billing().map((b) => b.configurationId)).toEqual([config.id]);

      const moved = sim.seed.moveManagedId('M-7', to.id);
      expect(moved).toMatchObject({
        groupIdentifier: 'M-7',
        company: { id: to.id },
        managementSolution: { id: setup.solution.id },
        deviceType: 'BackupStats',
      });
      expect(moved.id).not.toBe(from.entry.id);
      expect(sim.state.managementEntries.get(from.entry.id)).toBeUndefined();
      const agreement = sim.state.agreements.get(moved.agreement?.id ?? 0);
      expect(agreement).toMatchObject({
        company: { id: to.id },
        type: { id: setup.agreementType.id },
        agreementStatus: 'Active',
      });
      expect(sim.state.configurations.get(config.id)?.company.id).toBe(from.company.id);
      const oldTab = await call(sim, 'GET', `company/companies/${from.company.id}/managementSummaryReports`);
      expect(oldTab.body).toEqual([]);

      await call(sim, 'POST', `company/management/${setup.management.id}/executeManagedItSync`);
      expect(sim.billing()).toEqual([]);
    });

    it('reuses an Active agreement of the same type on the target, and needs exactly one matching entry', () => {
      const setup = sim.seed.backupBillingSetup();
      sim.seed.backupClient(setup, { identifier: 'A', name: 'A', managedId: 'M-1' });
      const b = sim.seed.backupClient(setup, { identifier: 'B', name: 'B', managedId: 'M-2' });
      expect(sim.seed.moveManagedId('M-1', b.company.id).agreement?.id).toBe(b.agreement.id);
      expect(() => sim.seed.moveManagedId('m-2', b.company.id)).toThrow(/0 Management tab entries carry m-2/);
      expect(() => sim.seed.moveManagedId('M-2', b.company.id)).toThrow(/already on company/);
      const other = sim.seed.managementItSolution({ name: 'Other' });
      sim.seed.managementEntry(b.company.id, { groupIdentifier: 'M-2', solutionId: other.id });
      expect(() => sim.seed.moveManagedId('M-2', 1)).toThrow(/company 1 does not exist/);
      expect(() => sim.seed.moveManagedId('M-2', sim.seed.company({ identifier: 'C', name: 'C' }).id)).toThrow(
        /2 Management tab entries/,
      );
    });
  });
});
