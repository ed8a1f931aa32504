import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { InputValidationError } from '../../lib/errors.js';
import { TABLES } from '../support/local-aws.js';
import { Harness, results, type TestAccount } from './harness.js';

/**
 * Contract v2 "Billing integrity", end to end through the real Lambda handler against dynalite and
 * the ConnectWise simulator, whose sync bills active configurations and cancels the additions of
 * retired ones: what is billed after each run is read from the simulator's additions.
 */

describe('billing integrity through the Lambda handler', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await Harness.start();
  });
  afterAll(async () => {
    await harness.close();
  });

  /** An account with `n` clients c-1..c-n on companies Co-1..Co-n, billed for 2026-08. */
  const billedAccount = async (n: number, extra: Record<string, unknown> = {}) => {
    const a = await harness.account({
      setup: { deletedConfigurationStatus: 'Removed', addedConfigurationStatus: 'Backup active' },
      item: extra,
    });
    for (let i = 1; i <= n; i++) {
      a.company(`Co-${i}`, `M-${i}`);
      await a.mapping(`c-${i}`, `M-${i}`);
      await a.usage(`c-${i}`, '2026-08', 10 * i);
    }
    const first = await publish(a, { period: '2026-08' });
    expect(first.accounts[0]).toMatchObject({ published: n, failed: 0 });
    return a;
  };
  const publish = (a: TestAccount, payload: Record<string, unknown> = {}) =>
    harness.handler()({ accountId: a.accountId, ...payload });
  /** deviceIdentifier → billed quantity, from the simulator's live (not cancelled) additions. */
  const billed = (a: TestAccount) =>
    Object.fromEntries(
      a.sim
        .billing()
        .flatMap((b) => b.deviceIdentifiers.map((d) => [d, b.quantity] as const))
        .sort(([x], [y]) => x.localeCompare(y)),
    );
  const activeConfigurations = (a: TestAccount, clientId: string) =>
    a.configurations(clientId).filter((c) => c.activeFlag !== false);

  it('stops billing clients that were disabled, removed or have no usage, without deleting anything', async () => {
    const a = await billedAccount(5);
    expect(Object.keys(billed(a))).toEqual(['c-1', 'c-2', 'c-3', 'c-4', 'c-5']);
    // Created with the Management record's "added" status, as ConnectWise's integrations do.
    expect(a.configurations('c-1')[0]!.status).toMatchObject({ id: a.setup.addedStatus.id });
    for (let i = 1; i <= 5; i++) if (i !== 3) await a.usage(`c-${i}`, '2026-09', 11 * i);
    await a.mapping('c-1', 'M-1', { enabled: false });
    await harness.db.send(
      new DeleteCommand({ TableName: TABLES.MAPPINGS_TABLE, Key: { accountId: a.accountId, clientId: 'c-2' } }),
    );

    const summary = await publish(a, { period: '2026-09' });
    const r = results(summary);
    expect(r['c-1']).toMatchObject({ status: 'retired', reason: 'billing stopped: its mapping is disabled' });
    expect(r['c-2']).toMatchObject({
      status: 'retired',
      managedId: 'M-2',
      reason: 'billing stopped: its mapping was removed',
    });
    expect(r['c-3']).toMatchObject({ status: 'retired', reason: 'billing stopped: it has no usage for the period' });
    expect(summary.accounts[0]).toMatchObject({ retired: 3, published: 2, sync: 'triggered' });
    expect(billed(a)).toEqual({ 'c-4': 44, 'c-5': 55 });
    expect(a.sim.requests.filter((q) => q.method === 'DELETE')).toEqual([]);
    for (const id of ['c-1', 'c-2', 'c-3']) {
      expect(a.configurations(id)).toHaveLength(1);
      expect(a.configurations(id)[0]).toMatchObject({ activeFlag: false, status: { id: a.setup.deletedStatus.id } });
    }
    const event = harness.eventsFor(a.accountId).at(-1)!;
    expect(event.Detail).toMatchObject({ retired: 3, retiredClientIds: ['c-1', 'c-2', 'c-3'] });

    // The client comes back: re-activated with the added status, billed again, still one configuration.
    await a.mapping('c-1', 'M-1', { enabled: true });
    await a.usage('c-1', '2026-10', 5);
    const back = await publish(a, { period: '2026-10', allowMassRetire: true });
    expect(results(back)['c-1']).toMatchObject({ status: 'published' });
    expect(a.configurations('c-1')).toHaveLength(1);
    expect(a.configurations('c-1')[0]).toMatchObject({
      activeFlag: true,
      status: { id: a.setup.addedStatus.id },
      backupMonth: 10,
    });
    expect(billed(a)['c-1']).toBe(5);
  });

  it('moves a client whose Managed ID moved: billed on the new company only', async () => {
    const a = await billedAccount(2);
    const old = activeConfigurations(a, 'c-1')[0]!;
    const target = a.company('NewHome', 'M-OTHER');
    a.sim.seed.moveManagedId('M-1', target.company.id);
    await a.usage('c-1', '2026-09', 7);
    await a.usage('c-2', '2026-09', 20);

    const r = results(await publish(a, { period: '2026-09', rescan: true }));
    expect(r['c-1']).toMatchObject({
      status: 'published',
      companyId: target.company.id,
      retiredConfigurationIds: [old.id],
    });
    expect(activeConfigurations(a, 'c-1').map((c) => c.company.id)).toEqual([target.company.id]);
    const lines = a.sim.billing().filter((b) => b.deviceIdentifiers.includes('c-1'));
    expect(lines.map((b) => [b.companyId, b.quantity])).toEqual([[target.company.id, 7]]);
  });

  it("leaves another vendor's configuration with one of our client ids byte-identical", async () => {
    const a = await billedAccount(1);
    const company = a.configurations('c-1')[0]!.company.id;
    const foreign = a.sim.seed.otherVendorConfiguration(company, {
      deviceIdentifier: 'c-1',
      fields: { backupBillableSpaceGb: 999, backupYear: 2026, backupMonth: 8 },
    });
    const before = JSON.stringify(a.sim.state.configurations.get(foreign.configuration.id));
    await a.usage('c-1', '2026-09', 3);
    await a.mapping('c-1', 'M-1', { enabled: false });
    await publish(a, { period: '2026-09' });
    await a.mapping('c-1', 'M-1', { enabled: true });
    await publish(a, { period: '2026-09' });
    expect(JSON.stringify(a.sim.state.configurations.get(foreign.configuration.id))).toBe(before);
    expect(a.sim.requests.some((q) => q.path.endsWith(`/${foreign.configuration.id}`))).toBe(false);
  });

  it('holds mass retirements for missing usage, names the way forward, and lets the override proceed', async () => {
    const a = await billedAccount(10);
    for (let i = 4; i <= 10; i++) await a.usage(`c-${i}`, '2026-09', 1);
    const held = await publish(a, { period: '2026-09' });
    for (const id of ['c-1', 'c-2', 'c-3']) {
      expect(results(held)[id]!.status).toBe('failed');
      expect(results(held)[id]!.reason).toMatch(/retirement held: 3 of the account's 10 .*--allow-mass-retire/);
    }
    expect(Object.keys(billed(a))).toHaveLength(10);
    expect(harness.eventsFor(a.accountId).at(-1)!.DetailType).toBe('Usage Publish Failed');
    const forced = await publish(a, { period: '2026-09', allowMassRetire: true });
    expect(forced.accounts[0]!.retired).toBe(3);
    expect(Object.keys(billed(a))).toEqual(['c-10', 'c-4', 'c-5', 'c-6', 'c-7', 'c-8', 'c-9']);
  });

  it('never writes an older month over a newer one, refuses the open month, and caps implausible usage', async () => {
    const a = await billedAccount(2, { maxBillableSpaceGb: 5000 });
    await a.usage('c-1', '2026-07', 1);
    await a.usage('c-2', '2026-07', 2);
    const back = await publish(a, { period: '2026-07' });
    expect(results(back)['c-1']!.reason).toMatch(/holds 2026-08, later than 2026-07.*--allow-older-period/);
    expect(a.configurations('c-1')[0]).toMatchObject({ backupMonth: 8, backupBillableSpaceGb: 10 });
    expect((await publish(a, { period: '2026-07', allowOlderPeriod: true })).accounts[0]!.published).toBe(2);

    a.sim.resetRequests();
    const now = new Date();
    const open = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    await expect(publish(a, { period: open })).rejects.toThrow(InputValidationError);
    expect(a.sim.requests).toEqual([]);

    await a.usage('c-1', '2026-09', 9e15);
    await a.usage('c-2', '2026-09', 3);
    const capped = await publish(a, { period: '2026-09' });
    expect(results(capped)['c-1']).toMatchObject({ status: 'failed' });
    expect(results(capped)['c-1']!.reason).toMatch(/9000000000000000 GB .* limit of 5000 GB \(maxBillableSpaceGb\)/);
  });

  it('lets only one of two runs started at the same moment write, every time', async () => {
    const a = await billedAccount(6);
    let writers = 0;
    for (let month = 9; month <= 10; month++) {
      const period = `2026-${String(month).padStart(2, '0')}`;
      for (let i = 1; i <= 6; i++) await a.usage(`c-${i}`, period, month + i);
      for (let round = 0; round < 3; round++) {
        const [x, y] = await Promise.all([publish(a, { period }), publish(a, { period })]);
        writers += [x, y].filter((s) => s.accounts[0]!.published > 0).length;
        const busy = [x, y].filter((s) => s.accounts[0]!.error?.includes('another run'));
        for (const s of busy) {
          const other = s === x ? y : x;
          expect(s.accounts[0]!.error).toContain(other.runId);
        }
        for (let i = 1; i <= 6; i++) expect(activeConfigurations(a, `c-${i}`)).toHaveLength(1);
      }
    }
    // Each month's values were written once, by one run.
    expect(writers).toBe(2);
    expect(a.sim.requests.filter((q) => q.method === 'DELETE')).toEqual([]);
  });

  it('keeps credentials that a server echoes out of the summary, events, Ledger and logs', async () => {
    const a = await billedAccount(1);
    await a.usage('c-1', '2026-09', 4);
    a.sim.faults.echoAuthorization({ method: 'PATCH', path: /^company\/configurations\/\d+$/, status: 400 });
    harness.logs.length = 0;
    const summary = await publish(a, { period: '2026-09' });
    expect(results(summary)['c-1']!.status).toBe('failed');
    const ledger = await harness.db.send(
      new QueryCommand({
        TableName: TABLES.LEDGER_TABLE,
        KeyConditionExpression: 'runKey = :k',
        ExpressionAttributeValues: { ':k': `${a.accountId}#2026-09` },
      }),
    );
    const token = Buffer.from(
      `${a.sim.credentials.companyId}+${a.sim.credentials.publicKey}:${a.sim.credentials.privateKey}`,
    ).toString('base64');
    const everything = [
      JSON.stringify(summary),
      JSON.stringify(harness.eventsFor(a.accountId)),
      JSON.stringify(ledger.Items),
      harness.logs.join(''),
    ].join('\n');
    for (const secret of [a.sim.credentials.privateKey, a.sim.credentials.publicKey, token])
      expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/Basic [A-Za-z0-9+/=]{8,}/);
  });

  it('does not follow a redirect from the site, and says so', async () => {
    const a = await billedAccount(1);
    await a.usage('c-1', '2026-09', 4);
    a.sim.faults.redirect({ method: 'GET', path: 'company/configurations', status: 302 });
    const summary = await publish(a, { period: '2026-09' });
    expect(summary.accounts[0]!.error).toMatch(/redirect/i);
    expect(a.sim.redirectsFollowed).toEqual([]);
  });

  it('records published in the Ledger after a crash and re-run of the same period', async () => {
    const a = await billedAccount(2);
    const rows = await harness.db.send(
      new QueryCommand({
        TableName: TABLES.LEDGER_TABLE,
        KeyConditionExpression: 'runKey = :k',
        ExpressionAttributeValues: { ':k': `${a.accountId}#2026-08` },
      }),
    );
    for (const item of rows.Items ?? []) {
      await harness.db.send(
        new DeleteCommand({ TableName: TABLES.LEDGER_TABLE, Key: { runKey: item.runKey, clientId: item.clientId } }),
      );
    }
    const again = await publish(a, { period: '2026-08' });
    expect(again.accounts[0]).toMatchObject({ unchanged: 2 });
    const after = await harness.db.send(
      new QueryCommand({
        TableName: TABLES.LEDGER_TABLE,
        KeyConditionExpression: 'runKey = :k',
        ExpressionAttributeValues: { ':k': `${a.accountId}#2026-08` },
      }),
    );
    expect((after.Items ?? []).map((i) => [i.clientId, i.status, i.publishedGb])).toEqual([
      ['c-1', 'published', 10],
      ['c-2', 'published', 20],
    ]);
  });

  it('reads only the Management tabs of companies that carry its Managed IDs in a normal month', async () => {
    const a = await billedAccount(3);
    a.sim.seed.noiseCompanies(40);
    for (let i = 1; i <= 3; i++) await a.usage(`c-${i}`, '2026-09', i);
    a.sim.resetRequests();
    await publish(a, { period: '2026-09' });
    const ours = [1, 2, 3].map((i) => activeConfigurations(a, `c-${i}`)[0]!.company.id).sort((x, y) => x - y);
    expect(a.sim.managementTabsRead()).toEqual(ours);
    a.sim.resetRequests();
    await publish(a, { period: '2026-09', rescan: true });
    expect(a.sim.managementTabsRead().length).toBeGreaterThan(40);
  });
});
