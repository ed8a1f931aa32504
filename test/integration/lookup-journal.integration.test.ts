import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lib/aws/dynamo-client.js';
import { DynamoLookupJournal } from '../../lib/aws/lookup-journal.js';
import { startLocalAws, TABLES, type LocalAws } from '../support/local-aws.js';

/** The look-up journal adapter against dynalite: what one invocation records, the next one reads back. */
describe('Class: DynamoLookupJournal', () => {
  let aws: LocalAws;
  let db: DynamoDBDocumentClient;
  const NOW = new Date('2026-11-01T06:00:00Z');
  const journal = (runId: string) => new DynamoLookupJournal(db, TABLES.LEDGER_TABLE, 'acme', runId, () => NOW);
  const company = (id: number) => ({ id, identifier: `C${id}`, name: `Company ${id}` });

  beforeAll(async () => {
    aws = await startLocalAws();
    aws.apply();
    db = createDocumentClient(new DynamoDBClient({}));
  });
  afterAll(async () => {
    db.destroy();
    await aws.close();
  });

  it('reads back every chunk of its own run only, with the companies and Managed IDs they held', async () => {
    // Prepare: two chunks of run r1 (written out of order, as concurrent reads finish), one of run r2.
    await journal('r1').append({
      companyIds: [205, 201, 230],
      holding: [{ company: company(230), managedIds: ['M-1'] }],
    });
    await journal('r1').append({ companyIds: [7, 3], holding: [] });
    await journal('r2').append({ companyIds: [1], holding: [] });

    // Act
    const chunks = await journal('r1').load();

    // Assess
    expect(chunks.map((c) => [...c.companyIds].sort((a, b) => a - b))).toEqual([
      [3, 7],
      [201, 205, 230],
    ]);
    expect(chunks[1]!.holding).toEqual([{ company: company(230), managedIds: ['M-1'] }]);
  });

  it('keys a chunk by its lowest company id and lets it expire by TTL two weeks on', async () => {
    await journal('r3').append({ companyIds: [42, 40], holding: [] });
    const { Item } = await db.send(
      new GetCommand({ TableName: TABLES.LEDGER_TABLE, Key: { runKey: '#lookup#acme#r3', clientId: '000000000040' } }),
    );
    expect(Item).toMatchObject({ companyIds: [42, 40], expiresAt: NOW.getTime() / 1000 + 14 * 86_400 });
  });

  it('skips an item it cannot read (hand-edited), so only those companies are read again', async () => {
    await db.send(
      new PutCommand({
        TableName: TABLES.LEDGER_TABLE,
        Item: { runKey: '#lookup#acme#r4', clientId: '000000000009', companyIds: 'not a list' },
      }),
    );
    await journal('r4').append({ companyIds: [10], holding: [] });
    expect((await journal('r4').load()).map((c) => c.companyIds)).toEqual([[10]]);
  });

  it("keeps the run's stall beside its chunks, and knows none before the first", async () => {
    expect(await journal('r5').loadStall()).toEqual({ count: 0 });
    await journal('r5').append({ companyIds: [5], holding: [] });
    await journal('r5').saveStall({ count: 2, since: NOW.toISOString() });
    expect(await journal('r5').loadStall()).toEqual({ count: 2, since: NOW.toISOString() });
    expect((await journal('r5').load()).map((c) => c.companyIds)).toEqual([[5]]);
  });
});
