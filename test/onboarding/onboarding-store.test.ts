import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lib/aws/dynamo-client.js';
import { DynamoOnboardingStore } from '../../lib/aws/onboarding-store.js';
import { startLocalAws, TABLES, type LocalAws } from '../support/local-aws.js';

describe('Class: DynamoOnboardingStore (dynalite)', () => {
  let aws: LocalAws;
  let db: ReturnType<typeof createDocumentClient>;
  let store: DynamoOnboardingStore;

  beforeAll(async () => {
    aws = await startLocalAws();
    db = createDocumentClient(
      new DynamoDBClient({
        endpoint: aws.dynamodbEndpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
    store = new DynamoOnboardingStore(db, { mappings: TABLES.MAPPINGS_TABLE, usage: TABLES.USAGE_TABLE });
  });
  afterAll(async () => {
    db.destroy();
    await aws.close();
  });

  it('writes a mapping only where the client has none, leaving an existing (even invalid) item as it is', async () => {
    const byHand = { accountId: 'acme', clientId: 'c1', managedId: '', note: 'hand-edited' };
    await db.send(new PutCommand({ TableName: TABLES.MAPPINGS_TABLE, Item: byHand }));
    const mapping = { accountId: 'acme', clientId: 'c1', managedId: 'M-1', enabled: true };
    expect(await store.createIfAbsent(mapping)).toBe(false);
    expect(await store.createIfAbsent({ ...mapping, clientId: 'c2' })).toBe(true);
    const items = (await db.send(new ScanCommand({ TableName: TABLES.MAPPINGS_TABLE }))).Items ?? [];
    expect(items.sort((a, b) => String(a.clientId).localeCompare(String(b.clientId)))).toEqual([
      byHand,
      { ...mapping, clientId: 'c2' },
    ]);
  });

  it('names each client by its latest usage item that has a name, account by account', async () => {
    const usage = (accountId: string, period: string, clientId: string, clientName?: string) =>
      db.send(
        new PutCommand({
          TableName: TABLES.USAGE_TABLE,
          Item: {
            accountId,
            usageKey: `${period}#${clientId}`,
            period,
            clientId,
            billableSpaceGb: 1,
            ...(clientName ? { clientName } : {}),
          },
        }),
      );
    await usage('acme', '2026-08', 'c1', 'Contoso Ltd');
    await usage('acme', '2026-09', 'c1', 'Contoso Limited');
    await usage('acme', '2026-10', 'c1');
    await usage('acme', '2026-10', 'c2', '  ');
    await usage('other', '2026-10', 'c3', 'Fabrikam');
    expect(await store.latest('acme')).toEqual(new Map([['c1', 'Contoso Limited']]));
  });
});
