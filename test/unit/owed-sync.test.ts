import { finishFailedAccount, runPublish } from '../../lib/publisher/run-publish.js';
import { ACCOUNT, FakeConnectWise, MemoryStore, makeDeps } from './fakes.js';

describe('the owed Management sync (contract v3)', () => {
  const request = { dryRun: false, allowMassRetire: false, allowOlderPeriod: false, rescan: false, accountNamed: true };
  const setup = () => {
    const store = new MemoryStore();
    store.accounts = [ACCOUNT];
    const cw = new FakeConnectWise();
    return { cw, deps: makeDeps(store, cw) };
  };

  it("is triggered by a failed account's last word, and stays owed (that word holds no lock)", async () => {
    const { cw, deps } = setup();
    await deps.memory.oweSync('acct-1', 'run-0', '2026-11-01T05:00:00.000Z');
    const summary = await finishFailedAccount(
      { runId: 'run-9', period: '2026-10', request, accountId: 'acct-1', invocation: 2, error: 'States.Timeout' },
      deps,
    );
    expect(summary.sync).toBe('triggered');
    expect(cw.writes()).toEqual(['POST sync 1']);
    // Another run may be changing the account meanwhile: only a run holding the lock settles the owed sync.
    expect(await deps.memory.syncOwedSince('acct-1')).toBe('2026-11-01T05:00:00.000Z');
    expect((await runPublish({ accountId: 'acct-1', period: '2026-10' }, deps)).accounts[0]!.sync).toBe('triggered');
    expect(await deps.memory.syncOwedSince('acct-1')).toBeUndefined();
  });

  it('stays owed when the sync fails, and the next run with nothing to change triggers it', async () => {
    const { cw, deps } = setup();
    await deps.memory.oweSync('acct-1', 'run-0', '2026-11-01T05:00:00.000Z');
    cw.syncAnswer = { success: false, message: 'busy' };
    expect((await runPublish({ accountId: 'acct-1', period: '2026-10' }, deps)).accounts[0]!.sync).toBe('failed');
    expect(await deps.memory.syncOwedSince('acct-1')).toBe('2026-11-01T05:00:00.000Z');
    cw.syncAnswer = { success: true, message: 'ok' };
    expect((await runPublish({ accountId: 'acct-1', period: '2026-10' }, deps)).accounts[0]!.sync).toBe('triggered');
    expect((await runPublish({ accountId: 'acct-1', period: '2026-10' }, deps)).accounts[0]!.sync).toBe('not-needed');
  });
});
