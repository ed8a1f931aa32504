import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { RUN_LOCK_LEASE_MS } from '../../lib/contract.js';
import { TABLES } from '../support/local-aws.js';
import { Harness, results, type TestAccount } from './harness.js';

/**
 * Billing integrity through the real handler, dynalite and the ConnectWise simulator, on the paths
 * where only the real stack tells: a POST whose answer is lost after ConnectWise saved it, a run lock
 * left behind by a crashed run.
 */

describe('lost create answers and crashed runs through the Lambda handler', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await Harness.start();
  });
  afterAll(async () => {
    await harness.close();
  });

  const newAccount = async () => {
    const a = await harness.account({
      setup: { deletedConfigurationStatus: 'Removed', addedConfigurationStatus: 'Active' },
    });
    return a;
  };
  const publish = (a: TestAccount, payload: Record<string, unknown> = {}) =>
    harness.handler()({ accountId: a.accountId, ...payload });
  const active = (a: TestAccount, clientId: string) => a.configurations(clientId).filter((c) => c.activeFlag !== false);
  const owned = async (a: TestAccount) =>
    (
      await harness.db.send(
        new QueryCommand({
          TableName: TABLES.LEDGER_TABLE,
          KeyConditionExpression: 'runKey = :k',
          ExpressionAttributeValues: { ':k': `#owned#${a.accountId}` },
        }),
      )
    ).Items ?? [];

  it('owns the configuration whose create answer was lost, never posts it twice, and stops billing it when the client leaves', async () => {
    const a = await newAccount();
    a.company('Co-1', 'M-1');
    a.company('Co-2', 'M-2');
    await a.mapping('c-1', 'M-1');
    await a.mapping('c-2', 'M-2');
    await a.usage('c-1', '2026-08', 10);
    await a.usage('c-2', '2026-08', 20);
    // ConnectWise saves the first create, then the connection drops before the answer.
    a.sim.faults.dropAfterCommit({ method: 'POST', path: 'company/configurations' });

    const first = await publish(a, { period: '2026-08' });
    expect(first.accounts[0]).toMatchObject({ published: 2, failed: 0 });
    expect(a.sim.requests.filter((q) => q.fault === 'dropAfterCommit')).toHaveLength(1);
    for (const id of ['c-1', 'c-2']) expect(a.configurations(id)).toHaveLength(1);
    const records = await owned(a);
    expect(records.map((r) => [r.ownerClientId, r.configurationId, r.origin, r.active]).sort()).toEqual(
      ['c-1', 'c-2'].map((id) => [id, a.configurations(id)[0]!.id, 'created', true]).sort(),
    );

    // Both leave the next month (one removed from usage, one disabled): nothing of theirs bills any more.
    await a.mapping('c-2', 'M-2', { enabled: false });
    const left = await publish(a, { period: '2026-09' });
    expect(results(left)['c-1']).toMatchObject({ status: 'retired' });
    expect(results(left)['c-2']).toMatchObject({ status: 'retired' });
    for (const id of ['c-1', 'c-2']) expect(active(a, id)).toEqual([]);
    expect(a.sim.billing()).toEqual([]);
  });

  it('lets a run lock left by a crashed run block the account only until its lease runs out', async () => {
    expect(RUN_LOCK_LEASE_MS).toBeLessThanOrEqual(15 * 60_000);
    const a = await newAccount();
    a.company('Co-1', 'M-1');
    await a.mapping('c-1', 'M-1');
    await a.usage('c-1', '2026-08', 10);
    const lock = (leaseUntil: number) =>
      harness.db.send(
        new PutCommand({
          TableName: TABLES.LEDGER_TABLE,
          Item: {
            runKey: `#lock#${a.accountId}`,
            clientId: '#lock',
            runId: 'crashed-run',
            leaseUntil,
            since: '2026-09-01T06:00:00.000Z',
          },
        }),
      );

    await lock(Date.now() + RUN_LOCK_LEASE_MS);
    const blocked = await publish(a, { period: '2026-08' });
    expect(blocked.accounts[0]!.error).toMatch(/another run \(crashed-run/);
    expect(a.writes()).toEqual([]);

    await lock(Date.now() - 1); // the lease ran out
    const after = await publish(a, { period: '2026-08' });
    expect(after.accounts[0]).toMatchObject({ published: 1, failed: 0 });
    expect(after.accounts[0]!.error).toBeUndefined();
  });
});
