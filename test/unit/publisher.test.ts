import { runPublish } from '../../lib/publisher/run-publish.js';
import { ConnectWiseHttpError, SecretError } from '../../lib/errors.js';
import type { ClientResult } from '../../lib/publisher/ports/index.js';
import { ACCOUNT, FakeConnectWise, MemoryStore, byClient, makeDeps } from './fakes.js';

describe('Function: runPublish', () => {
  let store: MemoryStore;
  let cw: FakeConnectWise;

  beforeEach(() => {
    // Prepare: one account, three companies, client-b and client-c on the same company.
    store = new MemoryStore();
    cw = new FakeConnectWise();
    store.accounts = [ACCOUNT];
    cw.addCompany('AlphaCo', ['M-A']);
    cw.addCompany('BetaCo', ['M-B']);
    cw.addCompany('GammaCo', ['M-G']);
    store.mappings = [
      { accountId: 'acct-1', clientId: 'client-a', managedId: 'M-A', enabled: true },
      { accountId: 'acct-1', clientId: 'client-b', managedId: 'M-B', enabled: true, clientName: 'Beta Laptops' },
      { accountId: 'acct-1', clientId: 'client-c', managedId: 'M-B', enabled: true },
    ];
    store.addUsage('acct-1', 'client-a', 10.5);
    store.addUsage('acct-1', 'client-b', 20);
    store.addUsage('acct-1', 'client-c', 0);
  });

  it('creates one configuration per client with GB, year and month of the previous month, then syncs once', async () => {
    const summary = await runPublish({}, makeDeps(store, cw));
    const account = summary.accounts[0]!;
    expect(summary.period).toBe('2026-10');
    expect(account).toMatchObject({ published: 3, failed: 0, sync: 'triggered' });
    expect(
      cw.configurations.map((c) => [
        c.company.id,
        c.deviceIdentifier,
        c.backupBillableSpaceGb,
        c.backupYear,
        c.backupMonth,
        c.name,
      ]),
    ).toEqual([
      [1, 'client-a', 10.5, 2026, 10, 'client-a'],
      [2, 'client-b', 20, 2026, 10, 'Beta Laptops'],
      [2, 'client-c', 0, 2026, 10, 'client-c'],
    ]);
    expect(cw.calls.filter((c) => c.startsWith('POST sync'))).toEqual(['POST sync 1']);
  });

  it("updates last month's configuration in place and leaves correct values alone", async () => {
    const old = cw.addConfiguration(1, 'client-a', { backupBillableSpaceGb: 8, backupYear: 2026, backupMonth: 9 });
    const same = cw.addConfiguration(2, 'client-b', { backupBillableSpaceGb: 20, backupYear: 2026, backupMonth: 10 });
    const summary = await runPublish({}, makeDeps(store, cw));
    const results = byClient(summary.accounts[0]!);
    expect(results['client-a']).toMatchObject({ status: 'published', configurationId: old.id });
    expect(results['client-b']).toMatchObject({ status: 'unchanged', configurationId: same.id });
    // The adopted configuration gets the ownership line (contract v3), its values stay as they were.
    expect(cw.writes()).toEqual([
      `PATCH ${old.id} backupBillableSpaceGb,backupMonth,vendorNotes`,
      `PATCH ${same.id} vendorNotes`,
      'POST client-c',
      'POST sync 1',
    ]);
    expect(cw.configurations.filter((c) => c.deviceIdentifier === 'client-a')).toHaveLength(1);
  });

  it('changes nothing in ConnectWise on a re-run', async () => {
    await runPublish({}, makeDeps(store, cw));
    cw.calls = [];
    const again = await runPublish({}, makeDeps(store, cw));
    expect(again.accounts[0]).toMatchObject({ published: 0, unchanged: 3 });
    expect(cw.writes()).toEqual(['POST sync 1']);
    expect(cw.configurations).toHaveLength(3);
  });

  it('skips disabled mappings and clients without usage, with reasons', async () => {
    store.mappings.push({ accountId: 'acct-1', clientId: 'client-d', managedId: 'M-G', enabled: false });
    store.mappings.push({ accountId: 'acct-1', clientId: 'client-e', managedId: 'M-G', enabled: true });
    store.addUsage('acct-1', 'client-d', 5);
    const results = byClient((await runPublish({}, makeDeps(store, cw))).accounts[0]!);
    expect(results['client-d']).toMatchObject({ status: 'skipped', reason: 'mapping is disabled' });
    expect(results['client-e']).toMatchObject({ status: 'skipped', reason: 'no usage recorded for 2026-10' });
    expect(cw.configurations.some((c) => c.deviceIdentifier === 'client-d' || c.deviceIdentifier === 'client-e')).toBe(
      false,
    );
  });

  it('fails only the client whose Managed ID resolves to no company, or to several', async () => {
    cw.addCompany('DeltaCo', ['M-B']); // M-B now on two companies
    store.mappings.push({ accountId: 'acct-1', clientId: 'client-x', managedId: 'M-UNKNOWN', enabled: true });
    store.addUsage('acct-1', 'client-x', 1);
    const account = (await runPublish({}, makeDeps(store, cw))).accounts[0]!;
    const results = byClient(account);
    expect(results['client-x']).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/"M-UNKNOWN" is not on any company/),
    });
    expect(results['client-b']).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/on 2 companies \(BetaCo, DeltaCo\)/),
    });
    expect(results['client-a']!.status).toBe('published');
    expect(account.sync).toBe('triggered');
  });

  it("matches Managed IDs exactly (case-sensitive) and only for the account's solution", async () => {
    cw.solutions.push({ id: 2, name: 'Other RMM' });
    cw.addCompany('OtherCo', ['M-Z'], 2);
    store.mappings = [
      { accountId: 'acct-1', clientId: 'lower', managedId: 'm-a', enabled: true },
      { accountId: 'acct-1', clientId: 'other', managedId: 'M-Z', enabled: true },
    ];
    store.addUsage('acct-1', 'lower', 1);
    store.addUsage('acct-1', 'other', 1);
    const results = byClient((await runPublish({}, makeDeps(store, cw))).accounts[0]!);
    expect(results.lower!.status).toBe('failed');
    expect(results.other!.status).toBe('failed');
  });

  it('reports an invalid mapping item by key and field without stopping the run', async () => {
    store.invalidMappings = [
      {
        key: { accountId: 'acct-1', clientId: 'client-bad' },
        problems: [{ field: 'managedId', problem: 'is missing' }],
      },
    ];
    const account = (await runPublish({}, makeDeps(store, cw))).accounts[0]!;
    expect(byClient(account)['client-bad']).toMatchObject({
      status: 'failed',
      reason: 'mapping item (accountId=acct-1 clientId=client-bad) is invalid: managedId is missing',
    });
    expect(account.published).toBe(3);
  });

  it('adopts the oldest active pre-existing configuration on first publish and never touches the others', async () => {
    const first = cw.addConfiguration(1, 'client-a', {
      backupBillableSpaceGb: 10.5,
      backupYear: 2026,
      backupMonth: 10,
    });
    const other = cw.addConfiguration(1, 'client-a', { backupBillableSpaceGb: 3, backupYear: 2026, backupMonth: 9 });
    const deps = makeDeps(store, cw);
    const results = byClient((await runPublish({ clientIds: ['client-a'] }, deps)).accounts[0]!);
    expect(results['client-a']).toMatchObject({ status: 'unchanged', configurationId: first.id });
    expect(cw.writes()).toEqual([`PATCH ${first.id} vendorNotes`, 'POST sync 1']);
    expect(cw.configurations.find((c) => c.id === other.id)).toEqual(other);
    expect([...deps.memory.owned.values()].map((o) => [o.configurationId, o.origin, o.active])).toEqual([
      [first.id, 'adopted', true],
    ]);
  });

  it('adopts an active configuration rather than an older inactive one, and deletes nothing', async () => {
    const inactive = cw.addConfiguration(1, 'client-a', {
      activeFlag: false,
      backupBillableSpaceGb: 1,
      backupYear: 2025,
      backupMonth: 1,
    });
    const active = cw.addConfiguration(1, 'client-a', {
      backupBillableSpaceGb: 10.5,
      backupYear: 2026,
      backupMonth: 10,
    });
    const results = byClient((await runPublish({ clientIds: ['client-a'] }, makeDeps(store, cw))).accounts[0]!);
    expect(results['client-a']).toMatchObject({ status: 'unchanged', configurationId: active.id });
    expect(cw.writes()).toEqual([`PATCH ${active.id} vendorNotes`, 'POST sync 1']);
    expect(cw.configurations.find((c) => c.id === inactive.id)?.activeFlag).toBe(false);
  });

  it('retires (never deletes) a second owned configuration of a client on its company', async () => {
    const deps = makeDeps(store, cw);
    await runPublish({ clientIds: ['client-a'] }, deps);
    const kept = cw.configurations.find((c) => c.deviceIdentifier === 'client-a')!;
    // A second configuration the product created, e.g. by an earlier version's race.
    const dup = cw.addConfiguration(1, 'client-a', { backupBillableSpaceGb: 10.5, backupYear: 2026, backupMonth: 10 });
    await deps.memory.put([{ ...deps.memory.owned.get(`acct-1#${kept.id}`)!, configurationId: dup.id }]);
    cw.calls = [];
    const results = byClient((await runPublish({ clientIds: ['client-a'] }, deps)).accounts[0]!);
    expect(results['client-a']).toMatchObject({
      status: 'published',
      configurationId: kept.id,
      retiredConfigurationIds: [dup.id],
    });
    expect(cw.writes()).toEqual([`PATCH ${dup.id} activeFlag,vendorNotes`, 'POST sync 1']);
    expect(cw.calls.some((c) => c.startsWith('DELETE'))).toBe(false);
  });

  it('does not create a duplicate when a create was saved but its answer was lost', async () => {
    cw.loseCreateAnswers = 1;
    const results = byClient((await runPublish({ clientIds: ['client-a'] }, makeDeps(store, cw))).accounts[0]!);
    expect(results['client-a']!.status).toBe('published');
    expect(cw.configurations.filter((c) => c.deviceIdentifier === 'client-a')).toHaveLength(1);
    expect(cw.calls).toContain('GET configurations 1');
  });

  it('fails every due client with the reason when the ConnectWise setup lacks the solution', async () => {
    cw.solutions = [];
    const account = (await runPublish({}, makeDeps(store, cw))).accounts[0]!;
    expect(account.failed).toBe(3);
    expect(account.error).toMatch(/Management IT solution "Backup Cloud" not found/);
    expect(account.sync).toBe('not-needed');
    expect(cw.writes()).toEqual([]);
  });

  it('fails every due client when the configuration type is inactive, saying where to fix it', async () => {
    cw.types = [{ id: 7, name: 'Backup Stats', inactiveFlag: true }];
    const account = (await runPublish({}, makeDeps(store, cw))).accounts[0]!;
    expect(account).toMatchObject({
      failed: 3,
      error: expect.stringMatching(
        /"Backup Stats" is inactive in ConnectWise \(System > Setup Tables > Configuration Types\)/,
      ),
    });
    expect(cw.writes()).toEqual([]);
  });

  it('fails every due client when the secret is invalid, and says why without values', async () => {
    const deps = makeDeps(store, cw);
    const summary = await runPublish(
      {},
      {
        ...deps,
        secrets: {
          load: async () => {
            throw new SecretError('secret "cw/acct-1": privateKey is missing', { secretId: 'cw/acct-1' });
          },
        },
      },
    );
    expect(
      summary.accounts[0]!.results.every(
        (r) => r.status === 'failed' && r.reason === 'secret "cw/acct-1": privateKey is missing',
      ),
    ).toBe(true);
  });

  it('fails one client on a ConnectWise error for that client only', async () => {
    const original = cw.createConfiguration.bind(cw);
    cw.createConfiguration = async (input) => {
      if (input.deviceIdentifier === 'client-b') {
        throw new ConnectWiseHttpError('ConnectWise POST company/configurations failed: 400 InvalidObject', {
          method: 'POST',
          path: 'company/configurations',
          status: 400,
          details: [{ field: 'name', message: 'too long' }],
        });
      }
      return original(input);
    };
    const account = (await runPublish({}, makeDeps(store, cw))).accounts[0]!;
    expect(byClient(account)['client-b']).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/400 InvalidObject \(name: too long\)/),
    });
    expect(account.published).toBe(2);
  });

  it('reports a failed sync when ConnectWise has no Management record or refuses', async () => {
    cw.setups = [];
    let account = (await runPublish({}, makeDeps(store, cw))).accounts[0]!;
    expect(account).toMatchObject({ sync: 'failed', syncReason: expect.stringMatching(/no Management record/) });
    cw.setups = [{ id: 3 }];
    cw.syncAnswer = { success: false, message: 'integrator login missing' };
    account = (await runPublish({}, makeDeps(store, cw))).accounts[0]!;
    expect(account).toMatchObject({ sync: 'failed', syncReason: expect.stringMatching(/integrator login missing/) });
  });

  it('does not sync when no client was published or unchanged', async () => {
    store.usage = [];
    const account = (await runPublish({}, makeDeps(store, cw))).accounts[0]!;
    expect(account).toMatchObject({ sync: 'not-needed', skipped: 3 });
    // ConnectWise is read (ownership lines the Ledger may have lost), never written.
    expect(cw.writes()).toEqual([]);
  });

  it('writes nothing anywhere on a dry run', async () => {
    cw.addConfiguration(1, 'client-a', { backupBillableSpaceGb: 10.5, backupYear: 2026, backupMonth: 10 });
    const deps = makeDeps(store, cw);
    const summary = await runPublish({ dryRun: true }, deps);
    const results = byClient(summary.accounts[0]!);
    expect(results['client-a']!.status).toBe('unchanged');
    expect(results['client-b']!.status).toBe('planned');
    expect(summary.accounts[0]!.planned).toBe(2);
    expect(cw.writes()).toEqual([]);
    expect(store.ledger).toEqual([]);
    expect(deps.sent).toEqual([]);
  });

  it('records a ledger row per client and sends one event per account', async () => {
    store.mappings.push({ accountId: 'acct-1', clientId: 'client-x', managedId: 'M-NONE', enabled: true });
    store.addUsage('acct-1', 'client-x', 1);
    const deps = makeDeps(store, cw);
    await runPublish({}, deps);
    expect(store.ledger.map((r) => [r.clientId, r.status]).sort()).toEqual([
      ['client-a', 'published'],
      ['client-b', 'published'],
      ['client-c', 'published'],
      ['client-x', 'failed'],
    ]);
    expect(deps.sent).toHaveLength(1);
    expect(deps.sent[0]!.type).toBe('Usage Publish Failed');
    expect(deps.sent[0]!.detail).toMatchObject({
      runId: 'run-1',
      accountId: 'acct-1',
      period: '2026-10',
      published: 3,
      failed: 1,
      sync: 'triggered',
    });
    expect((deps.sent[0]!.detail.results as ClientResult[]).map((r) => r.clientId)).toEqual(['client-x']);
  });

  it('lists failures before skips in the event and trims an event too large for EventBridge', async () => {
    store.mappings.push({ accountId: 'acct-1', clientId: 'a-skipped', managedId: 'M-A', enabled: false });
    for (let i = 0; i < 3000; i++) {
      store.mappings.push({
        accountId: 'acct-1',
        clientId: `z-${i}`,
        managedId: `M-MISSING-${'x'.repeat(40)}-${i}`,
        enabled: true,
      });
      store.addUsage('acct-1', `z-${i}`, 1);
    }
    const deps = makeDeps(store, cw);
    await runPublish({}, deps);
    const detail = deps.sent[0]!.detail;
    expect(Buffer.byteLength(JSON.stringify(detail))).toBeLessThanOrEqual(200_000);
    expect(detail.resultsTruncated).toBe(true);
    expect(detail.failed).toBe(3000);
    const results = detail.results as ClientResult[];
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((r) => r.status === 'failed')).toBe(true);
  });

  it('puts failed results before skipped ones in an event that fits', async () => {
    store.mappings.push({ accountId: 'acct-1', clientId: 'a-skipped', managedId: 'M-A', enabled: false });
    store.mappings.push({ accountId: 'acct-1', clientId: 'z-failed', managedId: 'M-NONE', enabled: true });
    store.addUsage('acct-1', 'z-failed', 1);
    const deps = makeDeps(store, cw);
    await runPublish({}, deps);
    expect((deps.sent[0]!.detail.results as ClientResult[]).map((r) => r.clientId)).toEqual(['z-failed', 'a-skipped']);
    expect(deps.sent[0]!.detail.resultsTruncated).toBeUndefined();
  });

  it('publishes only the requested clients, and fails a requested client that has no mapping', async () => {
    const account = (await runPublish({ accountId: 'acct-1', clientIds: ['client-b', 'nobody'] }, makeDeps(store, cw)))
      .accounts[0]!;
    expect(account.results.map((r) => [r.clientId, r.status])).toEqual([
      ['client-b', 'published'],
      ['nobody', 'failed'],
    ]);
  });

  it('reports the progress of the look-up (per company), the writes (per client) and the sync', async () => {
    const seen: string[] = [];
    const progress = {
      start: (total: number, label: string) => seen.push(`start ${total} ${label}`),
      increment: () => seen.push('+1'),
      stop: () => seen.push('stop'),
    };
    await runPublish({}, { ...makeDeps(store, cw), progress: () => progress });
    expect(seen).toEqual([
      'start 3 Reading Management tabs',
      '+1',
      '+1',
      '+1',
      'stop',
      'start 3 acct-1: publishing',
      '+1',
      '+1',
      '+1',
      'stop',
      'start 1 Management sync',
      'stop',
    ]);
  });

  it('uses the scheduled event time, not the clock, for the default period', async () => {
    const summary = await runPublish({ referenceTime: new Date('2026-03-01T06:00:00Z') }, makeDeps(store, cw));
    expect(summary.period).toBe('2026-02');
  });

  it('rejects an unknown or disabled account', async () => {
    await expect(runPublish({ accountId: 'nope' }, makeDeps(store, cw))).rejects.toThrow(/account "nope" not found/);
    store.accounts = [{ ...ACCOUNT, enabled: false }];
    await expect(runPublish({ accountId: 'acct-1' }, makeDeps(store, cw))).rejects.toThrow(
      /account "acct-1" is disabled/,
    );
  });

  it('runs every enabled account when none is named, and reports an invalid account item', async () => {
    store.accounts = [
      ACCOUNT,
      { ...ACCOUNT, accountId: 'acct-off', enabled: false },
      { key: { accountId: 'acct-bad' }, problems: [{ field: 'secretId', problem: 'is missing' }] },
    ];
    const summary = await runPublish({}, makeDeps(store, cw));
    expect(summary.accounts.map((a) => a.accountId)).toEqual(['acct-1', 'acct-bad']);
    expect(summary.accounts[1]!.error).toBe('account item (accountId=acct-bad) is invalid: secretId is missing');
  });
});
