import { DynamoDBClient, PutItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lib/aws/dynamo-client.js';
import { DynamoRunLock } from '../../lib/aws/ownership-repository.js';
import { RUN_LOCK_LEASE_MS } from '../../lib/contract.js';
import type { RunSummary } from '../../lib/publisher/ports/index.js';
import { TABLES } from '../support/local-aws.js';
import { Harness, type TestAccount } from './harness.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Raw DynamoDB writes, as a hand edit in the console makes them (types included). */
async function raw(command: PutItemCommand | UpdateItemCommand): Promise<void> {
  const client = new DynamoDBClient({});
  await (command instanceof PutItemCommand ? client.send(command) : client.send(command));
  client.destroy();
}
const S = (s: string): AttributeValue => ({ S: s });

const byClient = (summary: RunSummary) => Object.fromEntries(summary.accounts[0]!.results.map((r) => [r.clientId, r]));

describe('hand-edited Ledger items (contract v3 "Unreadable items are one bad item")', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await Harness.start();
  });
  afterAll(async () => {
    await harness.close();
  });

  const ownedItems = async (a: TestAccount) =>
    (
      await harness.db.send(
        new QueryCommand({
          TableName: TABLES.LEDGER_TABLE,
          KeyConditionExpression: 'runKey = :k',
          ExpressionAttributeValues: { ':k': `#owned#${a.accountId}` },
        }),
      )
    ).Items ?? [];

  /** Rewrites one attribute of the client's ownership record with a raw DynamoDB value. */
  const editOwned = async (a: TestAccount, clientId: string, name: string, value: AttributeValue) => {
    const item = (await ownedItems(a)).find((i) => i.ownerClientId === clientId)!;
    await raw(
      new UpdateItemCommand({
        TableName: TABLES.LEDGER_TABLE,
        Key: { runKey: S(String(item.runKey)), clientId: S(String(item.clientId)) },
        UpdateExpression: 'SET #n = :v',
        ExpressionAttributeNames: { '#n': name },
        ExpressionAttributeValues: { ':v': value },
      }),
    );
    return item;
  };

  it('reads an ownership record whose id was typed as a string of digits: the client that left is still retired', async () => {
    const a = await harness.account();
    a.company('Co-1', 'M-1');
    a.company('Co-2', 'M-2');
    a.company('Co-3', 'M-3');
    for (const c of ['c-1', 'c-2', 'c-3']) {
      await a.mapping(c, `M-${c.slice(2)}`);
      await a.usage(c, '2026-08', 10);
      await a.usage(c, '2026-09', 10);
    }
    const first = await harness.cli(['publish', '--account', a.accountId, '--period', '2026-08', '--json']);
    expect(first.code).toBe(0);
    const record = await editOwned(a, 'c-1', 'configurationId', S(String(a.configurations('c-1')[0]!.id)));
    expect(typeof (await ownedItems(a)).find((i) => i.ownerClientId === 'c-1')!.configurationId).toBe('string');
    expect(record.configurationId).toBe(a.configurations('c-1')[0]!.id);

    // c-1 leaves: its mapping is removed. The record still says it owns the configuration.
    await harness.db.send(
      new DeleteCommand({
        TableName: TABLES.MAPPINGS_TABLE,
        Key: { accountId: a.accountId, clientId: 'c-1' },
      }),
    );
    const next = await harness.cli(['publish', '--account', a.accountId, '--period', '2026-09', '--json', '--yes']);
    const results = byClient(JSON.parse(next.stdout) as RunSummary);
    expect(results['c-1']).toMatchObject({ status: 'retired' });
    expect(a.configurations('c-1').map((c) => c.activeFlag)).toEqual([false]);
    expect(results['c-2']).toMatchObject({ status: 'published' });
  });

  it('fails the client of an ownership record that cannot be read, naming the record and field, and writes nothing for it', async () => {
    const a = await harness.account();
    a.company('Co-1', 'M-1');
    a.company('Co-2', 'M-2');
    for (const c of ['c-1', 'c-2']) {
      await a.mapping(c, `M-${c.slice(2)}`);
      await a.usage(c, '2026-08', 10);
      await a.usage(c, '2026-09', 12);
    }
    expect((await harness.handler()({ accountId: a.accountId, period: '2026-08' })).accounts[0]!.published).toBe(2);
    await editOwned(a, 'c-1', 'companyId', S('Contoso'));
    await editOwned(a, 'c-2', 'note', { N: '12345678901234567.5' });
    const writesBefore = a.writes().length;

    const viaCli = await harness.cli(['publish', '--account', a.accountId, '--period', '2026-09', '--json']);
    expect(viaCli.code).toBe(1);
    const results = byClient(JSON.parse(viaCli.stdout) as RunSummary);
    expect(results['c-1']).toMatchObject({ status: 'failed', managedId: 'M-1' });
    expect(results['c-1']!.reason).toMatch(
      new RegExp(
        `ownership item \\(clientId=c-1 ledgerItem=#owned#${a.accountId} / c-1#\\d+\\) is invalid: companyId must be a ConnectWise record id`,
      ),
    );
    expect(results['c-2']!.reason).toMatch(/ownership item .* is invalid: note is a number JavaScript cannot hold/);
    // Nothing written for them: no second configuration, the month-8 values stay.
    expect(a.writes().length).toBe(writesBefore);
    expect(a.configurations('c-1')).toHaveLength(1);
    expect(a.configurations('c-1')[0]!.backupBillableSpaceGb).toBe(10);
    const viaLambda = await harness.handler()({ accountId: a.accountId, period: '2026-09' });
    expect(byClient(viaLambda)['c-1']).toMatchObject({ status: 'failed' });
  });

  describe('a lock item with a lease that cannot be read', () => {
    const putLock = async (a: TestAccount, leaseUntil: AttributeValue) =>
      raw(
        new PutItemCommand({
          TableName: TABLES.LEDGER_TABLE,
          Item: {
            runKey: S(`#lock#${a.accountId}`),
            clientId: S('#lock'),
            runId: S('hand-edited'),
            leaseUntil,
            since: S('2026-09-01T06:00:00.000Z'),
          },
        }),
      );

    it.each([
      ['a string', S('tomorrow')],
      ['a number JavaScript cannot hold', { N: '17000000000000000.5' }],
      ['a lease years ahead', { N: String(Date.UTC(2099, 0, 1)) }],
    ])('(%s) blocks the account for one lease from when it is first seen, then is taken', async (_what, lease) => {
      const a = await harness.account();
      await putLock(a, lease);
      let now = Date.UTC(2026, 9, 1, 6, 0, 0);
      const lock = new DynamoRunLock(
        createDocumentClient(),
        TABLES.LEDGER_TABLE,
        RUN_LOCK_LEASE_MS,
        () => new Date(now),
      );

      const first = await lock.acquire(a.accountId, 'run-1');
      expect(first).toMatchObject({ since: '2026-10-01T06:00:00.000Z' });
      expect(first!.heldBy).toMatch(/lock item is unreadable .* taken over at 2026-10-01T06:05:00\.000Z/);
      now += RUN_LOCK_LEASE_MS - 1000;
      // Still blocked, and the moment it was first seen does not move.
      expect(await lock.acquire(a.accountId, 'run-2')).toMatchObject({ since: '2026-10-01T06:00:00.000Z' });
      now += 2000;
      expect(await lock.acquire(a.accountId, 'run-2')).toBeUndefined();
      // Now an ordinary lock: another run is refused, naming run-2.
      expect(await lock.acquire(a.accountId, 'run-3')).toMatchObject({ heldBy: 'run-2' });
      expect(RUN_LOCK_LEASE_MS).toBeLessThanOrEqual(15 * 60_000);
    });

    it('through cwpub publish: the account is reported busy, then publishes once the item is a lease old', async () => {
      const a = await harness.account();
      a.company('Co-1', 'M-1');
      await a.mapping('c-1', 'M-1');
      await a.usage('c-1', '2026-08', 10);
      await putLock(a, S('tomorrow'));

      const blocked = await harness.cli(['publish', '--account', a.accountId, '--period', '2026-08', '--json']);
      expect(blocked.code).toBe(1);
      expect((JSON.parse(blocked.stdout) as RunSummary).accounts[0]!.error).toMatch(
        /another run \(hand-edited; the lock item is unreadable \(leaseUntil is not a number\)/,
      );
      expect(a.writes()).toEqual([]);

      // Time passes (the item's first-seen moment is a lease ago): the next run takes the account.
      await raw(
        new UpdateItemCommand({
          TableName: TABLES.LEDGER_TABLE,
          Key: { runKey: S(`#lock#${a.accountId}`), clientId: S('#lock') },
          UpdateExpression: 'SET unreadableSince = :t',
          ExpressionAttributeValues: { ':t': { N: String(Date.now() - RUN_LOCK_LEASE_MS - 1000) } },
        }),
      );
      const after = await harness.cli(['publish', '--account', a.accountId, '--period', '2026-08', '--json']);
      expect(after.code).toBe(0);
      expect((JSON.parse(after.stdout) as RunSummary).accounts[0]).toMatchObject({ published: 1 });
    });
  });
});
