import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { ENVIRONMENT, LEDGER_TTL_ATTRIBUTE, TABLE_KEYS } from '../lib/contract.js';

/**
 * The DynamoDB actions the function uses on each table, and nothing else (contract v3: no unused
 * grants; test/infra/tables.test.ts derives the Ledger's from the code's DynamoDB calls):
 * - Accounts: `get` (GetItem) for one account, `list` (Scan) for "every enabled account";
 * - Mappings: `listByAccount` (Query on the partition key);
 * - Usage: `listByPeriod` (Query on the partition key, `usageKey` begins with the period);
 * - Ledger: published rows, ownership, resolution cache, run records and the run lock: Query,
 *   GetItem and UpdateItem (every write is an UpdateItem); no PutItem, BatchWriteItem, Scan or
 *   DeleteItem. A repository that starts using another action adds it here, and the test says so.
 */
export const TABLE_ACTIONS = {
  accounts: ['dynamodb:GetItem', 'dynamodb:Scan'],
  mappings: ['dynamodb:Query'],
  usage: ['dynamodb:Query'],
  ledger: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
} as const;

export type TableName = keyof typeof TABLE_ACTIONS;

/** Which contract environment variable names which table. */
const TABLE_ENVIRONMENT: Record<TableName, string> = {
  accounts: ENVIRONMENT.accountsTable,
  mappings: ENVIRONMENT.mappingsTable,
  usage: ENVIRONMENT.usageTable,
  ledger: ENVIRONMENT.ledgerTable,
};

export type PublisherTables = Readonly<Record<TableName, dynamodb.Table>>;

/**
 * The four contract tables (keys from lib/contract.ts). Every one, the Ledger included, is kept when
 * the stack is deleted and protected against deletion (contract v3 "Kept on stack deletion"): the
 * Ledger holds which configurations the account owns, and an emptied Ledger would let clients that
 * left keep being billed. The Ledger's period rows and run records still expire by TTL, no sooner
 * than LEDGER_RETENTION_DAYS after their last write (≥ 25 months, for disputes); ownership, lock and
 * resolution items carry no TTL.
 */
export function createTables(scope: Construct): PublisherTables {
  const table = (id: string, keys: { partitionKey: string; sortKey?: string }, expiring: boolean): dynamodb.Table =>
    new dynamodb.Table(scope, id, {
      partitionKey: { name: keys.partitionKey, type: dynamodb.AttributeType.STRING },
      ...(keys.sortKey ? { sortKey: { name: keys.sortKey, type: dynamodb.AttributeType.STRING } } : {}),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // KMS with the AWS managed key (aws/dynamodb): key use is visible in CloudTrail, and
      // the function needs no KMS grant (the key policy allows use through DynamoDB).
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
      ...(expiring ? { timeToLiveAttribute: LEDGER_TTL_ATTRIBUTE } : {}),
    });
  return {
    accounts: table('AccountsTable', TABLE_KEYS.accounts, false),
    mappings: table('MappingsTable', TABLE_KEYS.mappings, false),
    usage: table('UsageTable', TABLE_KEYS.usage, false),
    ledger: table('LedgerTable', TABLE_KEYS.ledger, true),
  };
}

/**
 * Gives `fn` each table the way the runtime finds it: the contract environment variable with the
 * table's name, and exactly the actions of TABLE_ACTIONS on the table itself (no indexes, no "*").
 * Granting and binding together means a table the function can name is one it may use, and back.
 */
export function bindTables(fn: lambda.Function, tables: PublisherTables): void {
  for (const name of Object.keys(TABLE_ACTIONS) as TableName[]) {
    fn.addEnvironment(TABLE_ENVIRONMENT[name], tables[name].tableName);
    tables[name].grant(fn, ...TABLE_ACTIONS[name]);
  }
}
