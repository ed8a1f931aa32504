import { DynamoDBClient, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { RunSummary } from '../../lib/publisher/ports/index.js';
import { TABLES } from '../support/local-aws.js';
import { Harness, type TestAccount } from './harness.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const P = '2026-10';
/** A number DynamoDB stores (38 digits of precision) and JavaScript cannot hold: the SDK's default throws. */
const TOO_PRECISE = '12345678901234567.5';

/** Sets attributes with raw DynamoDB values, as a hand edit in the console would. */
async function rawSet(
  table: string,
  key: Record<string, string>,
  attributes: Record<string, AttributeValue>,
): Promise<void> {
  const client = new DynamoDBClient({});
  const names = Object.keys(attributes);
  await client.send(
    new UpdateItemCommand({
      TableName: table,
      Key: Object.fromEntries(Object.entries(key).map(([k, v]) => [k, { S: v }])),
      UpdateExpression: `SET ${names.map((_, i) => `#n${i} = :v${i}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#n${i}`, n])),
      ExpressionAttributeValues: Object.fromEntries(names.map((n, i) => [`:v${i}`, attributes[n]!])),
    }),
  );
  client.destroy();
}

const byClient = (summary: RunSummary, accountId: string) =>
  Object.fromEntries(summary.accounts.find((a) => a.accountId === accountId)!.results.map((r) => [r.clientId, r]));

describe('unreadable DynamoDB items are one bad item (contract v3, case 5)', () => {
  let harness: Harness;
  let good: TestAccount;
  let bad: TestAccount;

  beforeAll(async () => {
    harness = await Harness.start();
    good = await harness.account();
    bad = await harness.account();
    for (const a of [good, bad]) {
      a.company('Contoso', 'M-1');
      a.company('Fabrikam', 'M-2');
      a.company('Northwind', 'M-3');
      await a.mapping('c-1', 'M-1');
      await a.mapping('c-2', 'M-2');
      await a.mapping('c-3', 'M-3');
      await a.usage('c-1', P, 11);
      await a.usage('c-2', P, 22);
      await a.usage('c-3', P, 33);
    }
  });
  afterAll(async () => {
    await harness.close();
  });

  it('a mapping or usage item with such a number (known or unknown attribute) fails that client only', async () => {
    await rawSet(TABLES.MAPPINGS_TABLE, { accountId: good.accountId, clientId: 'c-1' }, { note: { N: TOO_PRECISE } });
    await rawSet(
      TABLES.USAGE_TABLE,
      { accountId: good.accountId, usageKey: `${P}#c-2` },
      { billableSpaceGb: { N: TOO_PRECISE } },
    );

    const { code, stdout } = await harness.cli(['publish', '--account', good.accountId, '--period', P, '--json']);
    const results = byClient(JSON.parse(stdout) as RunSummary, good.accountId);
    expect(code).toBe(1);
    expect(results['c-1']).toMatchObject({ status: 'failed' });
    expect(results['c-1']!.reason).toMatch(
      /mapping item \(accountId=acct-\d+ clientId=c-1 managedId=M-1\) is invalid: note is a number/,
    );
    expect(results['c-1']!.reason).toContain(TOO_PRECISE);
    expect(results['c-2']).toMatchObject({ status: 'failed' });
    expect(results['c-2']!.reason).toMatch(
      /usage item \(.*usageKey=2026-10#c-2\) is invalid: billableSpaceGb is a number/,
    );
    expect(results['c-3']).toMatchObject({ status: 'published', billableSpaceGb: 33 });
    expect(good.configurations('c-3')).toHaveLength(1);
    expect(good.configurations('c-1')).toEqual([]);
    // The event still goes out, with both failures.
    const failed = harness.eventsFor(good.accountId).at(-1)!;
    expect(failed.DetailType).toBe('Usage Publish Failed');
    expect((failed.Detail.results as Array<{ clientId: string }>).map((r) => r.clientId).sort()).toEqual([
      'c-1',
      'c-2',
    ]);
  });

  it('an account item with such a number fails that account only: the others publish, summary and events are produced', async () => {
    await rawSet(
      TABLES.ACCOUNTS_TABLE,
      { accountId: bad.accountId },
      { requestsPerMinute: { N: '600.000000000000000000001' } },
    );
    await rawSet(TABLES.ACCOUNTS_TABLE, { accountId: bad.accountId }, { notes: { M: { big: { N: TOO_PRECISE } } } });
    const eventsBefore = harness.eventsFor(good.accountId).length;

    // Every enabled account, as the schedule does: the Scan reads them all.
    const cli = await harness.cli(['publish', '--period', P, '--json']);
    const summary = JSON.parse(cli.stdout) as RunSummary;
    expect(cli.code).toBe(1);
    const badSummary = summary.accounts.find((a) => a.accountId === bad.accountId)!;
    expect(badSummary.error).toMatch(
      new RegExp(
        `account item \\(accountId=${bad.accountId}\\) is invalid: requestsPerMinute is a number .*notes\\.big is a number`,
      ),
    );
    expect(bad.writes()).toEqual([]);
    expect(byClient(summary, good.accountId)['c-3']).toMatchObject({ status: 'unchanged' });
    expect(harness.eventsFor(good.accountId).length).toBe(eventsBefore + 1);
    // The bad account has its own event, with the same error.
    const badEvent = harness.eventsFor(bad.accountId).at(-1)!;
    expect(badEvent.DetailType).toBe('Usage Publish Failed');
    expect(badEvent.Detail.error).toMatch(/requestsPerMinute is a number JavaScript cannot hold exactly/);

    // The Lambda's direct invocation reads the same way and answers with the summary.
    const viaLambda = await harness.handler()({ period: P });
    expect(viaLambda.accounts.find((a) => a.accountId === bad.accountId)!.error).toMatch(
      /requestsPerMinute is a number/,
    );
    expect(byClient(viaLambda, good.accountId)['c-3']).toMatchObject({ status: 'unchanged' });

    // Named on its own, the account is reported the same way, not a crash.
    const named = await harness.cli(['publish', '--account', bad.accountId, '--period', P, '--json']);
    expect(named.code).toBe(1);
    expect(named.stdout + named.stderr).toMatch(/requestsPerMinute is a number JavaScript cannot hold exactly/);
  });
});
