import type { BackupBillingSetup, BackupClient, Simulator } from './index.js';
import { startSimulator } from './index.js';
import { asArray, asObject, call } from './test-helpers.js';

describe('ConnectWise simulator: the Management IT sync model', () => {
  let sim: Simulator;

  afterEach(async () => {
    await sim.close();
  });

  async function sync(managementId: number): Promise<void> {
    const res = await call(sim, 'POST', `company/management/${managementId}/executeManagedItSync`);
    expect(res.status).toBe(200);
    expect(asObject(res.body)).toMatchObject({ success: true, message: expect.any(String) });
  }

  async function additions(agreementId: number): Promise<Array<Record<string, unknown>>> {
    const res = await call(sim, 'GET', `finance/agreements/${agreementId}/additions`, { query: { pageSize: 1000 } });
    expect(res.status).toBe(200);
    return asArray(res.body);
  }

  const live = (rows: Array<Record<string, unknown>>): Array<Record<string, unknown>> =>
    rows.filter((r) => r.cancelledDate === undefined);

  describe('billing level Detail', () => {
    let setup: BackupBillingSetup;
    let alpha: BackupClient;
    let beta: BackupClient;

    beforeEach(async () => {
      sim = await startSimulator();
      setup = sim.seed.backupBillingSetup({ billingLevel: 'Detail', price: 0.5 });
      alpha = sim.seed.backupClient(setup, { identifier: 'Alpha', name: 'Alpha', managedId: 'A-1' });
      beta = sim.seed.backupClient(setup, { identifier: 'Beta', name: 'Beta', managedId: 'B-1' });
      const server = sim.seed.configurationType({ name: 'Server' });
      sim.seed.configuration({
        companyId: alpha.company.id,
        name: 'Backup client-1',
        deviceIdentifier: 'client-1',
        backupBillableSpaceGb: 10,
      });
      sim.seed.configuration({
        companyId: alpha.company.id,
        name: 'Backup client-2',
        deviceIdentifier: 'client-2',
        backupBillableSpaceGb: 2.5,
      });
      sim.seed.configuration({
        companyId: alpha.company.id,
        name: 'A server',
        typeId: server.id,
        backupBillableSpaceGb: 1000,
      });
      sim.seed.configuration({
        companyId: alpha.company.id,
        name: 'Old',
        deviceIdentifier: 'client-old',
        backupBillableSpaceGb: 50,
        activeFlag: false,
      });
      sim.seed.configuration({
        companyId: alpha.company.id,
        name: 'Closed',
        deviceIdentifier: 'client-closed',
        backupBillableSpaceGb: 60,
        statusId: setup.inactiveStatus.id,
      });
      sim.seed.configuration({
        companyId: beta.company.id,
        name: 'Backup client-3',
        deviceIdentifier: 'client-3',
        backupBillableSpaceGb: 7,
      });
    });

    it('creates one addition per active Backup Stats configuration on the default agreement', async () => {
      await sync(setup.management.id);
      const rows = await additions(alpha.agreement.id);
      expect(rows).toHaveLength(2);
      const byQuantity = [...rows].sort((a, b) => Number(a.quantity) - Number(b.quantity));
      expect(byQuantity[0]).toMatchObject({
        quantity: 2.5,
        product: { id: setup.catalogItem.id, identifier: 'BACKUP-GB' },
        unitPrice: 0.5,
        billCustomer: 'Billable',
        agreementId: alpha.agreement.id,
      });
      expect(String(byQuantity[0]?.description)).toContain('client-2');
      expect(String(byQuantity[0]?.invoiceDescription)).toContain('client-2');
      expect(String(byQuantity[1]?.description)).toContain('client-1');
      expect(await additions(beta.agreement.id)).toEqual([expect.objectContaining({ quantity: 7 })]);
      expect(sim.state.syncRuns).toHaveLength(1);
      expect(sim.state.syncRuns[0]).toMatchObject({
        managementId: setup.management.id,
        additionsCreated: 3,
        additionsUpdated: 0,
        additionsCancelled: 0,
      });
    });

    it('re-syncing without changes adds nothing', async () => {
      await sync(setup.management.id);
      await sync(setup.management.id);
      expect(await additions(alpha.agreement.id)).toHaveLength(2);
      expect(sim.state.additions.size).toBe(3);
      expect(sim.state.syncRuns).toHaveLength(2);
      expect(sim.state.syncRuns[1]).toMatchObject({ additionsCreated: 0, additionsUpdated: 0, additionsCancelled: 0 });
    });

    it('re-syncing after a new month’s usage updates the same additions instead of duplicating them', async () => {
      await sync(setup.management.id);
      const before = await additions(alpha.agreement.id);
      const config = sim.state.configurations.find((c) => c.deviceIdentifier === 'client-1');
      const patched = await call(sim, 'PATCH', `company/configurations/${config?.id}`, {
        body: [{ op: 'replace', path: 'backupBillableSpaceGb', value: 42 }],
      });
      expect(patched.status).toBe(200);
      await sync(setup.management.id);
      const after = await additions(alpha.agreement.id);
      expect(after.map((r) => r.id).sort()).toEqual(before.map((r) => r.id).sort());
      expect(after.find((r) => String(r.description).includes('client-1'))).toMatchObject({
        quantity: 42,
        extPrice: 21,
      });
      expect(sim.state.syncRuns[1]).toMatchObject({ additionsCreated: 0, additionsUpdated: 1 });
    });

    it('a duplicate configuration (e.g. from a blind retry) is billed twice', async () => {
      sim.seed.configuration({
        companyId: beta.company.id,
        name: 'Backup client-3',
        deviceIdentifier: 'client-3',
        backupBillableSpaceGb: 7,
      });
      await sync(setup.management.id);
      expect(live(await additions(beta.agreement.id)).map((r) => r.quantity)).toEqual([7, 7]);
    });

    it('cancels the addition of a configuration that was deleted or deactivated', async () => {
      await sync(setup.management.id);
      const c1 = sim.state.configurations.find((c) => c.deviceIdentifier === 'client-1');
      const c2 = sim.state.configurations.find((c) => c.deviceIdentifier === 'client-2');
      expect((await call(sim, 'DELETE', `company/configurations/${c1?.id}`)).status).toBe(204);
      await call(sim, 'PATCH', `company/configurations/${c2?.id}`, {
        body: [{ op: 'replace', path: 'activeFlag', value: false }],
      });
      await sync(setup.management.id);
      const rows = await additions(alpha.agreement.id);
      expect(rows).toHaveLength(2);
      expect(rows.every((r) => typeof r.cancelledDate === 'string')).toBe(true);
      expect(live(await additions(beta.agreement.id))).toHaveLength(1);
      expect(sim.state.syncRuns[1]).toMatchObject({ additionsCancelled: 2 });

      // Reactivated: billed again with a new addition, the cancelled one stays cancelled.
      await call(sim, 'PATCH', `company/configurations/${c2?.id}`, {
        body: [{ op: 'replace', path: 'activeFlag', value: true }],
      });
      await sync(setup.management.id);
      const again = await additions(alpha.agreement.id);
      expect(again).toHaveLength(3);
      expect(live(again)).toEqual([expect.objectContaining({ quantity: 2.5 })]);
    });

    it('bills the configuration type named by state.backupConfigurationTypeName', async () => {
      sim.state.backupConfigurationTypeName = 'server';
      await sync(setup.management.id);
      expect((await additions(alpha.agreement.id)).map((r) => r.quantity)).toEqual([1000]);
      expect(await additions(beta.agreement.id)).toHaveLength(0);
    });

    it('skips entries that cannot bill, and says why', async () => {
      const noAgreement = sim.seed.company({ identifier: 'NoAgr', name: 'No agreement' });
      sim.seed.managementEntry(noAgreement.id, { groupIdentifier: 'N-1', solutionId: setup.solution.id });
      sim.seed.configuration({ companyId: noAgreement.id, name: 'n', backupBillableSpaceGb: 3 });

      const workstations = sim.seed.company({ identifier: 'Ws', name: 'Workstations' });
      const wsAgreement = sim.seed.agreement({
        name: 'ws',
        companyId: workstations.id,
        typeId: setup.agreementType.id,
      });
      sim.seed.managementEntry(workstations.id, {
        groupIdentifier: 'W-1',
        solutionId: setup.solution.id,
        deviceType: 'Workstations',
        agreementId: wsAgreement.id,
      });
      sim.seed.configuration({ companyId: workstations.id, name: 'w', backupBillableSpaceGb: 3 });

      const otherType = sim.seed.agreementType({ name: 'Break/fix' });
      const unbacked = sim.seed.company({ identifier: 'Unbacked', name: 'Unbacked' });
      const unbackedAgreement = sim.seed.agreement({ name: 'bf', companyId: unbacked.id, typeId: otherType.id });
      sim.seed.managementEntry(unbacked.id, {
        groupIdentifier: 'U-1',
        solutionId: setup.solution.id,
        agreementId: unbackedAgreement.id,
      });
      sim.seed.configuration({ companyId: unbacked.id, name: 'u', backupBillableSpaceGb: 3 });

      const cancelled = sim.seed.company({ identifier: 'Cancelled', name: 'Cancelled' });
      const cancelledAgreement = sim.seed.agreement({
        name: 'c',
        companyId: cancelled.id,
        typeId: setup.agreementType.id,
        agreementStatus: 'Cancelled',
      });
      sim.seed.managementEntry(cancelled.id, {
        groupIdentifier: 'C-1',
        solutionId: setup.solution.id,
        agreementId: cancelledAgreement.id,
      });
      sim.seed.configuration({ companyId: cancelled.id, name: 'c', backupBillableSpaceGb: 3 });

      await sync(setup.management.id);
      expect(await additions(wsAgreement.id)).toHaveLength(0);
      expect(await additions(unbackedAgreement.id)).toHaveLength(0);
      expect(await additions(cancelledAgreement.id)).toHaveLength(0);
      const reasons = sim.state.syncRuns[0]?.skipped.map((s) => s.reason) ?? [];
      expect(reasons).toEqual([
        expect.stringMatching(/no default agreement/),
        expect.stringMatching(/deviceType is Workstations/),
        expect.stringMatching(/no Management Backup/),
        expect.stringMatching(/Cancelled/),
      ]);
      expect(sim.state.additions.size).toBe(3);
    });
  });

  describe('billing level Summary', () => {
    let setup: BackupBillingSetup;
    let client: BackupClient;

    beforeEach(async () => {
      sim = await startSimulator();
      setup = sim.seed.backupBillingSetup({ billingLevel: 'Summary' });
      client = sim.seed.backupClient(setup, { identifier: 'Sum', name: 'Summed', managedId: 'S-1' });
      sim.seed.configuration({
        companyId: client.company.id,
        name: 'a',
        deviceIdentifier: 'a',
        backupBillableSpaceGb: 1.1,
      });
      sim.seed.configuration({
        companyId: client.company.id,
        name: 'b',
        deviceIdentifier: 'b',
        backupBillableSpaceGb: 2.2,
      });
      sim.seed.configuration({ companyId: client.company.id, name: 'c', deviceIdentifier: 'c' });
    });

    it('creates one addition with the summed quantity, and updates it on re-sync', async () => {
      await sync(setup.management.id);
      const first = await additions(client.agreement.id);
      expect(first).toEqual([
        expect.objectContaining({ quantity: 3.3, product: expect.objectContaining({ id: setup.catalogItem.id }) }),
      ]);
      const b = sim.state.configurations.find((c) => c.name === 'b');
      await call(sim, 'PATCH', `company/configurations/${b?.id}`, {
        body: [{ op: 'replace', path: 'backupBillableSpaceGb', value: 10 }],
      });
      await sync(setup.management.id);
      const second = await additions(client.agreement.id);
      expect(second).toHaveLength(1);
      expect(second[0]).toMatchObject({ id: first[0]?.id, quantity: 11.1 });
      const count = await call(sim, 'GET', `finance/agreements/${client.agreement.id}/additions/count`);
      expect(count.body).toEqual({ count: 1 });
    });

    it('cancels the summary addition when no configuration is left', async () => {
      await sync(setup.management.id);
      for (const c of sim.state.configurations.all()) await call(sim, 'DELETE', `company/configurations/${c.id}`);
      await sync(setup.management.id);
      const rows = await additions(client.agreement.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]?.cancelledDate).toEqual(expect.any(String));
    });
  });

  describe('retirement and re-activation (the unconfirmed billing rule)', () => {
    let setup: BackupBillingSetup;
    let client: BackupClient;
    let configId: number;

    const patch = async (ops: unknown[]): Promise<void> => {
      expect((await call(sim, 'PATCH', `company/configurations/${configId}`, { body: ops })).status).toBe(200);
    };

    beforeEach(async () => {
      sim = await startSimulator();
      sim.state.now = () => new Date('2026-11-03T08:30:00Z');
      setup = sim.seed.backupBillingSetup({
        billingLevel: 'Detail',
        addedConfigurationStatus: 'Active',
        deletedConfigurationStatus: 'Retired',
      });
      client = sim.seed.backupClient(setup, { identifier: 'Ret', name: 'Retiring', managedId: 'R-1' });
      configId = sim.seed.configuration({
        companyId: client.company.id,
        name: 'Backup c1',
        deviceIdentifier: 'c1',
        backupBillableSpaceGb: 12,
      }).id;
      sim.seed.configuration({
        companyId: client.company.id,
        name: 'Backup c2',
        deviceIdentifier: 'c2',
        backupBillableSpaceGb: 3,
      });
    });

    it('seeds the Management record with the named statuses; the deleted one is not a closed status', () => {
      expect(setup.deletedStatus).toMatchObject({ description: 'Retired', closedFlag: false });
      expect(setup.addedStatus).toMatchObject({ description: 'Active', defaultFlag: true });
      expect(sim.state.management.all()).toEqual([
        expect.objectContaining({
          addedConfigurationStatus: { id: setup.addedStatus.id, name: 'Active' },
          deletedConfigurationStatus: { id: setup.deletedStatus.id, name: 'Retired' },
        }),
      ]);
    });

    it('billing() lists what bills now, with company, configuration and quantity', async () => {
      await sync(setup.management.id);
      const c2 = sim.state.configurations.find((c) => c.deviceIdentifier === 'c2');
      expect(sim.billing()).toEqual([
        expect.objectContaining({
          companyId: client.company.id,
          agreementId: client.agreement.id,
          configurationId: configId,
          configurationIds: [configId],
          deviceIdentifiers: ['c1'],
          quantity: 12,
          productId: setup.catalogItem.id,
          effectiveDate: '2026-11-03T00:00:00Z',
        }),
        expect.objectContaining({ companyId: client.company.id, configurationId: c2?.id, quantity: 3 }),
      ]);
    });

    it('cancels the addition of a configuration moved to the deletedConfigurationStatus even while activeFlag is true, dated the sync day', async () => {
      await sync(setup.management.id);
      await patch([{ op: 'replace', path: 'status', value: { id: setup.deletedStatus.id } }]);
      await sync(setup.management.id);
      expect(sim.billing().map((b) => b.deviceIdentifiers)).toEqual([['c2']]);
      const cancelled = sim.state.additions.find((a) => a.cancelledDate !== undefined && a.cancelledDate !== null);
      expect(cancelled).toMatchObject({ cancelledDate: '2026-11-03T00:00:00Z', quantity: 12 });
      expect(sim.state.syncRuns[1]).toMatchObject({ additionsCancelled: 1, additionsCreated: 0 });
    });

    it('cancels on activeFlag false; re-activation bills again only once the status is off the deleted one, with a NEW addition', async () => {
      await sync(setup.management.id);
      const firstId = sim.billing()[0]?.additionId;
      await patch([
        { op: 'replace', path: 'activeFlag', value: false },
        { op: 'replace', path: 'status', value: { id: setup.deletedStatus.id } },
      ]);
      await sync(setup.management.id);
      expect(sim.billing().map((b) => b.configurationId)).not.toContain(configId);

      // activeFlag back to true but still in the deleted status: still not billed.
      await patch([{ op: 'replace', path: 'activeFlag', value: true }]);
      await sync(setup.management.id);
      expect(sim.billing().map((b) => b.configurationId)).not.toContain(configId);

      await patch([{ op: 'replace', path: 'status', value: { id: setup.addedStatus.id } }]);
      await sync(setup.management.id);
      const billed = sim.billing().find((b) => b.configurationId === configId);
      expect(billed).toMatchObject({ quantity: 12 });
      expect(billed?.additionId).not.toBe(firstId);
      expect(sim.state.additions.get(firstId ?? 0)?.cancelledDate).toBe('2026-11-03T00:00:00Z');
      expect(sim.state.additions.size).toBe(3);
    });

    it('ignores deletedConfigurationStatus when the Management record names the same status for added and deleted', async () => {
      const m = sim.state.management.get(setup.management.id);
      if (!m) throw new Error('no management');
      sim.state.management.replace({ ...m, deletedConfigurationStatus: { ...m.addedConfigurationStatus } });
      await sync(setup.management.id);
      expect(sim.billing()).toHaveLength(2);
    });

    it('Summary: billing() reports the one addition with every configuration it sums, and a retired one drops out of the sum', async () => {
      const summary = sim.seed.backupBillingSetup({
        solutionName: 'Summed',
        billingLevel: 'Summary',
        agreementTypeName: 'Summary type',
        itemIdentifier: 'SUM-GB',
      });
      const sc = sim.seed.backupClient(summary, { identifier: 'S', name: 'S', managedId: 'S-9' });
      const a = sim.seed.configuration({
        companyId: sc.company.id,
        name: 'a',
        deviceIdentifier: 'a',
        backupBillableSpaceGb: 1,
      });
      const b = sim.seed.configuration({
        companyId: sc.company.id,
        name: 'b',
        deviceIdentifier: 'b',
        backupBillableSpaceGb: 2,
      });
      await sync(setup.management.id);
      const row = sim.billing().find((r) => r.companyId === sc.company.id);
      expect(row).toMatchObject({ quantity: 3, configurationIds: [a.id, b.id], deviceIdentifiers: ['a', 'b'] });
      expect(row?.configurationId).toBeUndefined();
      expect(
        (
          await call(sim, 'PATCH', `company/configurations/${b.id}`, {
            body: [{ op: 'replace', path: 'activeFlag', value: false }],
          })
        ).status,
      ).toBe(200);
      await sync(setup.management.id);
      expect(sim.billing().find((r) => r.companyId === sc.company.id)).toMatchObject({
        additionId: row?.additionId,
        quantity: 1,
        configurationIds: [a.id],
      });
    });
  });

  describe('POST company/management/{id}/executeManagedItSync', () => {
    beforeEach(async () => {
      sim = await startSimulator();
      sim.seed.backupBillingSetup();
    });

    it('answers 404 for an unknown management id and does not sync', async () => {
      expect((await call(sim, 'POST', 'company/management/999/executeManagedItSync')).status).toBe(404);
      expect(sim.state.syncRuns).toHaveLength(0);
    });

    it('takes no body and no query', async () => {
      const id = sim.state.management.all()[0]?.id ?? 0;
      expect((await call(sim, 'POST', `company/management/${id}/executeManagedItSync`, { body: {} })).status).toBe(400);
      expect(
        (await call(sim, 'POST', `company/management/${id}/executeManagedItSync`, { query: { force: 'true' } })).status,
      ).toBe(400);
      expect((await call(sim, 'GET', `company/management/${id}/executeManagedItSync`)).status).toBe(405);
      expect(sim.state.syncRuns).toHaveLength(0);
    });

    it('answers 404 for the additions of an unknown agreement', async () => {
      expect((await call(sim, 'GET', 'finance/agreements/1/additions')).status).toBe(404);
    });
  });
});
