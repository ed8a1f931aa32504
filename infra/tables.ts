import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { ENVIRONMENT, LEDGER_TTL_ATTRIBUTE, TABLE_KEYS } from '../lib/contract.js';

/**
 * The DynamoDB actions the function uses on each table, and nothing else:
 * - Accounts: `get` (GetItem) for one account, `list` (Scan) for "every enabled account";
 * - Mappings: `listByAccount` (Query on the partition key);
 * - Usage: `listByPeriod` (Query on the partition key, `usageKey` begins with the period);
 * - Ledger: published rows, ownership, resolution cache, run records and the run lock: Query,
 *   GetItem and UpdateItem today; PutItem and BatchWriteItem are granted too because the
 *   Ledger's shape is the function's own and may change; no Scan, no DeleteItem.
 */
export const TABLE_ACTIONS = {
  accounts: ['dynamodb:GetItem', 'dynamodb:Scan'],
  mappings: ['dynamodb:Query'],
  usage: ['dynamodb:Query'],
  ledger: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'],
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
 * The four contract tables (keys from lib/contract.ts). Accounts, Mappings and Usage are the
 * operator's data: kept when the stack is deleted and protected against deletion. The Ledger is
 * the function's own record of what it published, expiring by TTL (ownership and lock items carry
 * no TTL and stay); ConnectWise itself holds the published values (`cwpub verify`), so it is
 * deleted with the stack rather than orphaned.
 */
export function createTables(scope: Construct): PublisherTables {
  const table = (id: string, keys: { partitionKey: string; sortKey?: string }, operatorData: boolean): dynamodb.Table =>
    new dynamodb.Table(scope, id, {
      partitionKey: { name: keys.partitionKey, type: dynamodb.AttributeType.STRING },
      ...(keys.sortKey ? { sortKey: { name: keys.sortKey, type: dynamodb.AttributeType.STRING } } : {}),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // KMS with the AWS managed key (aws/dynamodb): key use is visible in CloudTrail, and
      // the function needs no KMS grant (the key policy allows use through DynamoDB).
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: operatorData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      deletionProtection: operatorData,
      ...(operatorData ? {} : { timeToLiveAttribute: LEDGER_TTL_ATTRIBUTE }),
    });
  return {
    accounts: table('AccountsTable', TABLE_KEYS.accounts, true),
    mappings: table('MappingsTable', TABLE_KEYS.mappings, true),
    usage: table('UsageTable', TABLE_KEYS.usage, true),
    ledger: table('LedgerTable', TABLE_KEYS.ledger, false),
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
