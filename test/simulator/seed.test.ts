import type { Simulator } from './index.js';
import { startSimulator } from './index.js';

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
    expect(cfg).toMatchObject({ activeFlag: true, billFlag: false, status: { id: status.id }, type: { name: 'Backup Stats' }, backupBillableSpaceGb: 3 });
  });

  it('keeps a single default status', () => {
    const first = sim.seed.configurationStatus({ description: 'One', defaultFlag: true });
    const second = sim.seed.configurationStatus({ description: 'Two', defaultFlag: true });
    expect(sim.state.configurationStatuses.get(first.id)?.defaultFlag).toBe(false);
    expect(sim.state.configurationStatuses.get(second.id)?.defaultFlag).toBe(true);
  });

  it.each([
    ['an over-long company identifier', (s: Simulator) => s.seed.company({ identifier: 'x'.repeat(31), name: 'n' }), /identifier/],
    ['a duplicate company identifier', (s: Simulator) => (s.seed.company({ identifier: 'D', name: 'n' }), s.seed.company({ identifier: 'd', name: 'm' })), /already used/],
    ['an over-long solution name', (s: Simulator) => s.seed.managementItSolution({ name: 'x'.repeat(31) }), /name/],
    ['an entry for a missing company', (s: Simulator) => s.seed.managementEntry(1, { groupIdentifier: 'g', solutionId: 1 }), /company 1 does not exist/],
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
      (s: Simulator) => s.seed.configuration({ companyId: s.seed.company({ identifier: 'F', name: 'F' }).id, name: 'x' }),
      /Backup Stats/,
    ],
    [
      'an agreement of another company as default agreement',
      (s: Simulator) => {
        const setup = s.seed.backupBillingSetup();
        const one = s.seed.company({ identifier: 'One', name: 'One' });
        const two = s.seed.company({ identifier: 'Two', name: 'Two' });
        const agreement = s.seed.agreement({ name: 'a', companyId: one.id, typeId: setup.agreementType.id });
        return s.seed.managementEntry(two.id, { groupIdentifier: 'g', solutionId: setup.solution.id, agreementId: agreement.id });
      },
      /belongs to company/,
    ],
    ['a second Management Backup for one agreement type', (s: Simulator) => {
      const setup = s.seed.backupBillingSetup();
      return s.seed.managementBackup({ agreementTypeId: setup.agreementType.id, catalogItemId: setup.catalogItem.id, billingLevel: 'Summary' });
    }, /already has/],
  ])('throws for %s', (_label, act, message) => {
    expect(() => act(sim)).toThrow(message);
  });

  it('backupBillingSetup and backupClient build a complete, syncable setup', () => {
    const setup = sim.seed.backupBillingSetup({ solutionName: 'Acme Backup', billingLevel: 'Summary' });
    const client = sim.seed.backupClient(setup, { identifier: 'Client', name: 'Client', managedId: 'M-9' });
    expect(setup.solution).toMatchObject({ name: 'Acme Backup', managementItSolutionType: 'Custom', managementSolutionName: 'Acme Backup' });
    expect(setup.managementBackup).toMatchObject({ billingLevel: 'Summary', type: { id: setup.agreementType.id }, item: { id: setup.catalogItem.id } });
    expect(client.entry).toMatchObject({ groupIdentifier: 'M-9', deviceType: 'BackupStats', agreement: { id: client.agreement.id }, company: { id: client.company.id } });
    expect(client.agreement).toMatchObject({ agreementStatus: 'Active', company: { id: client.company.id } });
    expect(sim.state.management.size).toBe(1);
  });
});
