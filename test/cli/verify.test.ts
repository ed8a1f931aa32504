import { ConnectWiseGateway } from '../../lib/connectwise/gateway.js';
import { ConnectWiseClient } from '../../lib/connectwise/http-client.js';
import type { VerifyReport } from '../../lib/verify/reconcile.js';
import { startSimulator, type Simulator } from '../simulator/index.js';
import { startLocalAws, TABLES, type LocalAws } from '../support/local-aws.js';
import {
  ACCOUNT_ID,
  NOW,
  clearTables,
  closeDb,
  cwpub,
  putItem,
  resetSimulator,
  seedWorld,
  type World,
} from './run-cwpub.js';

let aws: LocalAws;
let sim: Simulator;
let world: World;

beforeAll(async () => {
  aws = await startLocalAws();
  aws.apply();
  sim = await startSimulator();
  sim.state.now = () => NOW;
});

afterAll(async () => {
  closeDb();
  await sim.close();
  await aws.close();
});

async function publishedWorld(count = 2, billingLevel: 'Detail' | 'Summary' = 'Detail'): Promise<void> {
  await clearTables(aws);
  aws.standIns.secrets.clear();
  resetSimulator(sim);
  world = await seedWorld(aws, sim, count, { billingLevel });
  const publish = await cwpub(aws.env, ['publish', '--period', '2026-10']);
  expect(publish.code).toBe(0);
}

async function verify(argv: string[] = []) {
  const run = await cwpub(aws.env, ['verify', '--period', '2026-10', '--json', ...argv]);
  const report = run.json<VerifyReport>();
  return { run, report, kinds: report.mismatches.map((m) => `${m.kind}:${m.clientIds.join('+')}`) };
}

const configurationOf = (clientId: string) => sim.state.configurations.find((c) => c.deviceIdentifier === clientId)!;
const additionOf = (clientId: string) =>
  sim.state.additions.find((a) => a.description?.endsWith(`: ${clientId}`) === true)!;

describe('Command: cwpub verify', () => {
  beforeEach(async () => {
    await publishedWorld();
  });

  it('exits 0 when configurations and additions match what was published', async () => {
    // Act
    sim.resetRequests();
    const { run, report } = await verify();
    const table = await cwpub(aws.env, ['verify', '--period', '2026-10']);
    const all = await cwpub(aws.env, ['verify', '--period', '2026-10', '--all']);
    // Assess
    expect(run.code).toBe(0);
    expect(report).toMatchObject({
      accountId: 'acme',
      period: '2026-10',
      ok: true,
      checked: 2,
      mismatches: [],
      notes: [],
    });
    expect(
      report.clients.map((c) => [
        c.clientId,
        c.status,
        c.usageGb,
        c.publishedGb,
        c.configurationGb,
        c.additionQuantity,
        c.billingLevel,
      ]),
    ).toEqual([
      ['c1', 'ok', 10.5, 10.5, 10.5, 10.5, 'Detail'],
      ['c2', 'ok', 20.5, 20.5, 20.5, 20.5, 'Detail'],
    ]);
    expect(table.code).toBe(0);
    // Matching clients are counted; --all lists them.
    expect(table.stdout).toBe(
      'Verify account acme, period 2026-10: 2 client(s) checked, 2 match, 0 with mismatches\n' +
        'clients: 2 matching not listed (--all lists every row; --status ok lists only those)\n' +
        'ConnectWise matches what was published.\n',
    );
    expect(all.stdout).toMatch(/^c1 {6}M-1 {9}Client1 {6}10.5 {7}10.5 {6}10.5 {2}ok$/m);
    // Read-only.
    expect(sim.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('reports a missing configuration', async () => {
    sim.state.configurations.delete(configurationOf('c1').id);
    const { run, kinds, report } = await verify();
    expect(run.code).toBe(1);
    // The addition the last sync made for it still bills until the next sync cancels it.
    expect(kinds).toEqual(['missing-configuration:c1', 'extra-addition:c1']);
    expect(report.mismatches[0]?.detail).toBe(
      'no active "Backup Stats" configuration with deviceIdentifier "c1" on Client1',
    );
  });

  it('reports wrong GB and the wrong addition quantity when usage changed after the publish', async () => {
    await putItem(aws, TABLES.USAGE_TABLE, {
      accountId: ACCOUNT_ID,
      usageKey: '2026-10#c2',
      period: '2026-10',
      clientId: 'c2',
      billableSpaceGb: 25,
    });
    const { run, report, kinds } = await verify();
    const table = await cwpub(aws.env, ['verify', '--period', '2026-10']);
    expect(run.code).toBe(1);
    expect(kinds).toEqual(['wrong-gb:c2', 'wrong-addition-quantity:c2']);
    expect(report.mismatches.map((m) => [m.expected, m.found])).toEqual([
      [25, 20.5],
      [25, 20.5],
    ]);
    expect(report.notes.map((n) => n.kind)).toEqual(['usage-changed-since-publish']);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(
      /^c2 {6}wrong-gb\s+25\s+20.5\s+configuration #\d+ holds 20.5 GB; usage for 2026-10 is 25 GB/m,
    );
    expect(table.stdout).toMatch(/^Notes \(not mismatches\): 1 usage-changed-since-publish \(--all lists them\)$/m);
    expect(table.stdout).toMatch(/ConnectWise does NOT match what was published\.\n$/);
  });

  it('reports a configuration for the wrong period', async () => {
    sim.state.configurations.replace({ ...configurationOf('c1'), backupMonth: 9 });
    const { kinds, report } = await verify();
    expect(kinds).toEqual(['wrong-period:c1']);
    expect(report.mismatches[0]).toMatchObject({ expected: '2026-10', found: '2026-09' });
  });

  it('reports a duplicate configuration, and after a sync the duplicate addition it bills', async () => {
    // Prepare: someone copies the configuration by hand, then ConnectWise syncs
    const original = configurationOf('c1');
    sim.seed.configuration({
      companyId: original.company.id,
      name: 'Client 1 (copy)',
      deviceIdentifier: 'c1',
      backupBillableSpaceGb: 10.5,
      backupYear: 2026,
      backupMonth: 10,
    });
    const before = await verify();
    const management = sim.state.management.all()[0]!;
    const cw = new ConnectWiseGateway(
      await ConnectWiseClient.connect({ site: sim.url, ...sim.credentials, codebase: sim.codebase }),
    );
    await cw.executeManagedItSync(management.id);
    // Act
    const after = await verify();
    // Assess
    expect(before.kinds).toEqual(['duplicate-configuration:c1']);
    expect(after.kinds).toEqual(['duplicate-configuration:c1', 'duplicate-addition:c1']);
  });

  it('reports an addition whose quantity differs from what was published', async () => {
    sim.state.additions.replace({ ...additionOf('c1'), quantity: 99 });
    const { kinds, report } = await verify();
    expect(kinds).toEqual(['wrong-addition-quantity:c1']);
    expect(report.mismatches[0]).toMatchObject({ expected: 10.5, found: 99 });
  });

  it('reports a missing addition when the sync has not billed the client', async () => {
    sim.state.additions.delete(additionOf('c2').id);
    const { kinds, report } = await verify();
    expect(kinds).toEqual(['missing-addition:c2']);
    expect(report.mismatches[0]?.detail).toMatch(/has the Management sync run since the publish\?/);
  });

  it('reports an extra addition nothing explains', async () => {
    const a = additionOf('c2');
    const { id: _id, ...copy } = a;
    sim.state.additions.insert({
      ...copy,
      quantity: 3,
      description: 'Cloud backup storage (GB): c-gone',
      invoiceDescription: 'Cloud backup storage (GB): c-gone',
    });
    const { kinds } = await verify();
    expect(kinds).toEqual(['extra-addition:']);
  });

  it('reports a client the sync cannot bill (no default agreement)', async () => {
    const entry = sim.state.managementEntries.find((e) => e.groupIdentifier === 'M-1')!;
    sim.state.managementEntries.replace({ ...entry, agreement: null });
    const { kinds } = await verify();
    expect(kinds).toEqual(['not-billed:c1']);
  });

  it('reports a Managed ID that no longer resolves', async () => {
    const entry = sim.state.managementEntries.find((e) => e.groupIdentifier === 'M-2')!;
    sim.state.managementEntries.delete(entry.id);
    const { kinds } = await verify();
    expect(kinds).toEqual(['unresolved-company:c2']);
  });

  it('notes clients that were never published for the period', async () => {
    await putItem(aws, TABLES.LEDGER_TABLE, {
      runKey: `${ACCOUNT_ID}#2026-10`,
      clientId: 'c2',
      managedId: 'M-2',
      status: 'failed',
      reason: 'boom',
      runId: 'r',
    });
    const { run, report } = await verify();
    expect(run.code).toBe(0);
    expect(report.notes.map((n) => [n.kind, n.clientIds.join()])).toEqual([['not-in-ledger', 'c2']]);
  });

  it('defaults --period to last month and refuses a future one with exit status 2', async () => {
    const lastMonth = await cwpub(aws.env, ['verify', '--json']);
    const future = await cwpub(aws.env, ['verify', '--period', '2027-01']);
    expect(lastMonth.json()).toMatchObject({ period: '2026-10' });
    expect(future).toMatchObject({
      code: 2,
      stderr: 'cwpub: --period 2027-01 is in the future (the current month is 2026-11)\n',
    });
  });

  it('exits 3 when it cannot run: the Management IT solution is gone', async () => {
    sim.state.managementItSolutions.delete(world.setup.solution.id);
    const run = await cwpub(aws.env, ['verify', '--period', '2026-10']);
    expect(run).toMatchObject({
      code: 3,
      stderr: 'cwpub: Management IT solution "Backup Cloud" not found in ConnectWise; run cwpub doctor\n',
    });
  });
});

describe('Command: cwpub verify, billing level Summary', () => {
  beforeEach(async () => {
    await publishedWorld(2, 'Summary');
  });

  it('checks one total addition per agreement', async () => {
    const ok = await verify();
    expect(ok.run.code).toBe(0);
    expect(ok.report.clients.map((c) => [c.clientId, c.additionQuantity, c.billingLevel])).toEqual([
      ['c1', 10.5, 'Summary'],
      ['c2', 20.5, 'Summary'],
    ]);
    const addition = sim.state.additions.find(
      (a) => a.agreementId === sim.state.agreements.find((g) => g.company.identifier === 'Client1')!.id,
    )!;
    sim.state.additions.replace({ ...addition, quantity: 1 });
    const wrong = await verify();
    expect(wrong.kinds).toEqual(['wrong-addition-quantity:c1']);
  });
});
