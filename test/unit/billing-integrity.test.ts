import { runPublish } from '../../lib/publisher/run-publish.js';
import type { ClientResult } from '../../lib/publisher/ports/index.js';
import { InputValidationError } from '../../lib/errors.js';
import { ACCOUNT, FakeConnectWise, MANAGEMENT_WITH_STATUSES, MemoryStore, byClient, makeDeps } from './fakes.js';

describe('Billing integrity (contract v2) in the core', () => {
  let store: MemoryStore;
  let cw: FakeConnectWise;
  let deps: ReturnType<typeof makeDeps>;

  const publish = async (run: Parameters<typeof runPublish>[0] = {}) => (await runPublish(run, deps)).accounts[0]!;
  const active = (clientId: string) =>
    cw.configurations.filter((c) => c.deviceIdentifier === clientId && c.activeFlag !== false);

  beforeEach(async () => {
    // Prepare: four clients billed in September on three companies.
    store = new MemoryStore();
    cw = new FakeConnectWise();
    store.accounts = [ACCOUNT];
    cw.addCompany('AlphaCo', ['M-A']);
    cw.addCompany('BetaCo', ['M-B']);
    cw.addCompany('GammaCo', ['M-G']);
    cw.setups = [MANAGEMENT_WITH_STATUSES];
    store.mappings = ['a', 'b', 'c', 'd'].map((x) => ({
      accountId: 'acct-1',
      clientId: `client-${x}`,
      managedId: x === 'd' ? 'M-G' : 'M-' + x.toUpperCase().replace('C', 'B'),
      enabled: true,
    }));
    for (const x of ['a', 'b', 'c', 'd']) store.addUsage('acct-1', `client-${x}`, 10, '2026-09');
    deps = makeDeps(store, cw);
    deps = { ...deps, clock: () => new Date('2026-10-05T06:00:00Z') };
    await publish();
    for (const x of ['a', 'b', 'c', 'd']) store.addUsage('acct-1', `client-${x}`, 12);
    deps = { ...deps, clock: () => new Date('2026-11-01T06:00:00Z') };
    cw.calls = [];
  });

  it('retires a disabled client: deactivates with the deleted status, never deletes, and says why', async () => {
    store.mappings[0] = { ...store.mappings[0]!, enabled: false };
    const account = await publish();
    expect(byClient(account)['client-a']).toMatchObject({
      status: 'retired',
      reason: 'billing stopped: its mapping is disabled',
    });
    expect(account.retired).toBe(1);
    expect(active('client-a')).toHaveLength(0);
    expect(cw.configurations.find((c) => c.deviceIdentifier === 'client-a')).toMatchObject({
      activeFlag: false,
      status: { id: 90 },
    });
    expect(cw.calls.some((c) => c.startsWith('DELETE'))).toBe(false);
    expect(account.sync).toBe('triggered');
  });

  it('retires a removed client, naming its clientId and last Managed ID', async () => {
    store.mappings = store.mappings.filter((m) => m.clientId !== 'client-b');
    const account = await publish();
    expect(byClient(account)['client-b']).toMatchObject({
      status: 'retired',
      managedId: 'M-B',
      reason: 'billing stopped: its mapping was removed',
    });
    expect(active('client-b')).toHaveLength(0);
  });

  it('retires a client without usage this month, and shows it in the event', async () => {
    store.usage = store.usage.filter((u) => !(u.clientId === 'client-c' && u.period === '2026-10'));
    const account = await publish();
    expect(byClient(account)['client-c']).toMatchObject({
      status: 'retired',
      reason: 'billing stopped: it has no usage for the period',
    });
    const detail = deps.sent.at(-1)!.detail;
    expect(detail).toMatchObject({ retired: 1, retiredClientIds: ['client-c'] });
    expect((detail.results as ClientResult[]).map((r) => [r.clientId, r.status])).toEqual([['client-c', 'retired']]);
  });

  it('moves a client: published on the new company, the old configuration retired', async () => {
    cw.entries.set(2, []);
    cw.entries.set(3, [
      ...(cw.entries.get(3) ?? []),
      { id: 999, groupIdentifier: 'M-B', managementSolution: { id: 1, name: 'Backup Cloud' } },
    ]);
    const old = active('client-b')[0]!;
    const account = await publish();
    const result = byClient(account)['client-b']!;
    expect(result).toMatchObject({ status: 'published', companyId: 3, retiredConfigurationIds: [old.id] });
    expect(active('client-b').map((c) => c.company.id)).toEqual([3]);
  });

  it('re-activates a retired client that has usage again, with the added status', async () => {
    store.mappings[0] = { ...store.mappings[0]!, enabled: false };
    await publish();
    store.mappings[0] = { ...store.mappings[0]!, enabled: true };
    const account = await publish();
    expect(byClient(account)['client-a']).toMatchObject({ status: 'published' });
    expect(active('client-a')).toHaveLength(1);
    expect(active('client-a')[0]).toMatchObject({ status: { id: 91 }, backupMonth: 10, backupBillableSpaceGb: 12 });
    expect(cw.configurations.filter((c) => c.deviceIdentifier === 'client-a')).toHaveLength(1);
  });

  it('holds retirements for missing usage above max(2, 20 %) and lets the override proceed', async () => {
    store.usage = store.usage.filter((u) => u.period !== '2026-10' || u.clientId === 'client-a');
    const held = await publish();
    for (const id of ['client-b', 'client-c', 'client-d']) {
      expect(byClient(held)[id]).toMatchObject({ status: 'failed' });
      expect(byClient(held)[id]!.reason).toMatch(/retirement held.*--allow-mass-retire/);
      expect(active(id)).toHaveLength(1);
    }
    const forced = await publish({ allowMassRetire: true });
    expect(forced.retired).toBe(3);
  });

  it('never retires for a disabled mapping under the mass guard', async () => {
    store.mappings = store.mappings.map((m) => ({ ...m, enabled: false }));
    const account = await publish();
    expect(account.retired).toBe(4);
  });

  it('refuses to write an older month over a newer one unless allowed', async () => {
    const account = await publish({ period: '2026-09' }).then(async () => publish());
    expect(account.published).toBe(4);
    const back = await publish({ period: '2026-09' });
    expect(byClient(back)['client-a']!.status).toBe('failed');
    expect(byClient(back)['client-a']!.reason).toMatch(/2026-10.*2026-09.*--allow-older-period/);
    expect(cw.configurations.every((c) => c.backupMonth === 10)).toBe(true);
    const forced = await publish({ period: '2026-09', allowOlderPeriod: true });
    expect(forced.published).toBe(4);
  });

  it('does not bring back, in a run for an older month, a client that a later month stopped billing', async () => {
    store.usage = store.usage.filter((u) => !(u.clientId === 'client-c' && u.period === '2026-10'));
    expect(byClient(await publish())['client-c']!.status).toBe('retired');
    const back = await publish({ period: '2026-09' });
    expect(byClient(back)['client-c']!.status).toBe('failed');
    expect(byClient(back)['client-c']!.reason).toMatch(
      /stopped by the run for 2026-10, later than 2026-09.*--allow-older-period/,
    );
    expect(active('client-c')).toHaveLength(0);
    expect(byClient(await publish({ period: '2026-09', allowOlderPeriod: true }))['client-c']!.status).toBe(
      'published',
    );
  });

  it('writes nothing at all when the retirements are not confirmed, and everything when they are', async () => {
    store.mappings[0] = { ...store.mappings[0]!, enabled: false };
    const rowsBefore = store.ledger.length;
    const runsBefore = deps.memory.runs.length;
    const eventsBefore = deps.sent.length;
    const asked: string[][] = [];
    const declined = await publish({
      confirmRetirements: async ({ retirements }) => (asked.push(retirements.map((r) => r.clientId)), false),
    });
    expect(asked).toEqual([['client-a']]);
    expect(declined.error).toMatch(/1 retirement\(s\) not confirmed: nothing was written/);
    expect(cw.writes()).toEqual([]);
    expect([store.ledger.length, deps.memory.runs.length, deps.sent.length]).toEqual([
      rowsBefore,
      runsBefore,
      eventsBefore,
    ]);
    const confirmed = await publish({ confirmRetirements: async () => true });
    expect(confirmed).toMatchObject({ retired: 1, published: 3 });
    expect(deps.sent.length).toBe(eventsBefore + 1);
  });

  it('refuses the open month as invalid input, before anything is read or written', async () => {
    await expect(publish({ period: '2026-11' })).rejects.toThrow(InputValidationError);
    await expect(publish({ period: '2026-11' })).rejects.toThrow(/--allow-open-period/);
    expect(cw.calls).toEqual([]);
    expect((await publish({ period: '2026-11', allowOpenPeriod: true, dryRun: true })).skipped).toBe(0);
  });

  it('fails a client whose usage is above maxBillableSpaceGb, naming value and limit, and keeps its billing', async () => {
    store.accounts = [{ ...ACCOUNT, maxBillableSpaceGb: 100 }];
    store.usage = store.usage.map((u) =>
      u.clientId === 'client-a' && u.period === '2026-10' ? { ...u, billableSpaceGb: 9e15 } : u,
    );
    const account = await publish();
    expect(byClient(account)['client-a']!.reason).toMatch(/9000000000000000 GB .* limit of 100 GB/);
    expect(active('client-a')[0]!.backupMonth).toBe(9);
  });

  it('shows what a dry run would retire and publish, writing nothing', async () => {
    store.mappings[0] = { ...store.mappings[0]!, enabled: false };
    const account = await publish({ dryRun: true });
    expect(byClient(account)['client-a']).toMatchObject({ status: 'planned', action: 'retire' });
    expect(byClient(account)['client-b']).toMatchObject({ status: 'planned', action: 'publish' });
    expect(account.planned).toBe(4);
    expect(cw.writes()).toEqual([]);
  });

  it('stops an account another run holds, naming that run, and writes nothing', async () => {
    await deps.memory.acquire('acct-1', 'other-run');
    const account = await publish();
    expect(account.error).toMatch(/another run \(other-run/);
    expect(cw.writes()).toEqual([]);
  });

  it('records published in the Ledger for a period a crashed run already wrote', async () => {
    const first = await publish();
    expect(first.published).toBe(4);
    deps.memory.rows.clear(); // the crash lost the Ledger rows
    const again = await publish();
    expect(again.unchanged).toBe(4);
    expect((await deps.memory.list('acct-1', '2026-10')).map((e) => e.status)).toEqual([
      'published',
      'published',
      'published',
      'published',
    ]);
  });

  it('continues an account across invocations without losing or duplicating a client', async () => {
    let now = Date.parse('2026-11-01T06:00:00Z');
    deps = { ...deps, clock: () => new Date(now) };
    cw.onWrite = () => {
      now += 20_000;
    };
    const summary = await runPublish({ deadlineAt: Date.parse('2026-11-01T06:00:00Z') + 50_000 }, deps);
    expect(summary.accounts[0]!.error).toMatch(/ran out of time/);
    const done = (await deps.memory.list('acct-1', '2026-10')).filter((e) => e.runId === summary.runId);
    expect(done.length).toBeGreaterThan(0);
    expect(done.length).toBeLessThan(4);
    const rest = await runPublish({}, deps);
    expect(rest.accounts[0]!.published + rest.accounts[0]!.unchanged).toBe(4);
    for (const x of ['a', 'b', 'c', 'd']) expect(active(`client-${x}`)).toHaveLength(1);
  });
});
