import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  paginateQuery,
  paginateScan,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { StoreError } from '../errors.js';
import type { Period } from '../period.js';
import type {
  Account,
  AccountsRepository,
  InvalidItem,
  Mapping,
  MappingsRepository,
  UsageRepository,
  Validated,
} from '../publisher/ports/index.js';
import { ACCOUNT_FIELDS, accountItemSchema } from '../records/account.js';
import { fromItem, keyNames, toItem, type Fields, type RecordOf } from '../records/field.js';
import { MAPPING_FIELDS, mappingItemSchema } from '../records/mapping.js';
import { usageItemSchema } from '../records/usage.js';
import { validate, type UsageItem, type ValidationProblem } from '../input/schemas.js';
import { unreadableFields } from './dynamo-client.js';

type Item = Record<string, unknown>;

/** Wraps a DynamoDB call so a failure names the table and the operation; the run cannot go on without it. */
export async function guarded<T>(table: string, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof StoreError) throw error;
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new StoreError(`DynamoDB ${what} on table ${table} failed: ${detail}`, { table, cause: error });
  }
}

/** Sets `enabled` on an existing item; false (and nothing created) when there is no item with that key. */
async function setEnabledIfExists(
  db: DynamoDBDocumentClient,
  table: string,
  key: Item,
  keyAttribute: string,
  enabled: boolean,
): Promise<boolean> {
  return guarded(table, 'UpdateItem', async () => {
    try {
      await db.send(
        new UpdateCommand({
          TableName: table,
          Key: key,
          UpdateExpression: 'SET enabled = :e',
          ConditionExpression: `attribute_exists(${keyAttribute})`,
          ExpressionAttributeValues: { ':e': enabled },
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  });
}

export async function queryAll(db: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  for await (const page of paginateQuery({ client: db }, input)) items.push(...((page.Items ?? []) as Item[]));
  return items;
}

/**
 * Validates one stored item: a number JavaScript cannot hold, in any attribute (unknown ones too),
 * makes the item invalid like a wrong type does (contract v3 "Unreadable items are one bad item").
 */
export function validateItem<T>(
  schema: Parameters<typeof validate<T>>[0],
  item: Item,
): { ok: true; value: T } | { ok: false; problems: ValidationProblem[] } {
  const unreadable = unreadableFields(item);
  const result = validate(schema, item);
  if (unreadable.length === 0) return result;
  const others = result.ok ? [] : result.problems.filter((p) => !unreadable.some((u) => p.field === u.field));
  return { ok: false, problems: [...unreadable, ...others] };
}

function keyOf(item: Item, names: readonly string[]): Record<string, string> {
  const key: Record<string, string> = {};
  for (const name of names) if (item[name] !== undefined) key[name] = String(item[name]);
  return key;
}

/** A stored record, or the bad item named by its key: unreadable numbers count as bad fields too. */
function readRecord<F extends Fields>(
  fields: F,
  schema: Parameters<typeof fromItem<F>>[1],
  item: Item,
  extraKey: readonly string[] = [],
): RecordOf<F> | InvalidItem {
  const read = fromItem(fields, schema, item, extraKey);
  const unreadable = unreadableFields(item);
  if (unreadable.length === 0) return read;
  const others = 'problems' in read ? read.problems.filter((p) => !unreadable.some((u) => p.field === u.field)) : [];
  return { key: keyOf(item, [...keyNames(fields), ...extraKey]), problems: [...unreadable, ...others] };
}

function toAccount(item: Item): Account | InvalidItem {
  return readRecord(ACCOUNT_FIELDS, accountItemSchema, item);
}

export function isAccount(value: Account | InvalidItem): value is Account {
  return 'secretId' in value;
}

export class DynamoAccountsRepository implements AccountsRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async get(accountId: string): Promise<Account | InvalidItem | undefined> {
    const out = await guarded(this.table, 'GetItem', () =>
      this.db.send(new GetCommand({ TableName: this.table, Key: { accountId } })),
    );
    return out.Item ? toAccount(out.Item) : undefined;
  }

  /** The accounts table holds one item per ConnectWise site: a Scan is the listing. */
  async list(): Promise<Validated<Account>> {
    const items = await guarded(this.table, 'Scan', async () => {
      const all: Item[] = [];
      for await (const page of paginateScan({ client: this.db }, { TableName: this.table }))
        all.push(...((page.Items ?? []) as Item[]));
      return all;
    });
    const parsed = items.map((item) => ({ item, account: toAccount(item) }));
    const accounts = parsed
      .map((p) => p.account)
      .filter(isAccount)
      .sort((a, b) => a.accountId.localeCompare(b.accountId));
    // An invalid item that is explicitly disabled is not due to run: not reported every month.
    const invalid = parsed
      .filter((p) => !isAccount(p.account) && p.item.enabled !== false)
      .map((p) => p.account as InvalidItem);
    return { items: accounts, invalid };
  }

  async put(account: Account): Promise<void> {
    await guarded(this.table, 'PutItem', () =>
      this.db.send(new PutCommand({ TableName: this.table, Item: toItem(ACCOUNT_FIELDS, account) })),
    );
  }

  async setEnabled(accountId: string, enabled: boolean): Promise<boolean> {
    return setEnabledIfExists(this.db, this.table, { accountId }, 'accountId', enabled);
  }
}

function toMapping(item: Item): Mapping | InvalidItem {
  // The Managed ID helps people find a bad item in the console.
  return readRecord(MAPPING_FIELDS, mappingItemSchema, item, ['managedId']);
}

export class DynamoMappingsRepository implements MappingsRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async listByAccount(accountId: string): Promise<Validated<Mapping>> {
    const items = await guarded(this.table, 'Query', () =>
      queryAll(this.db, {
        TableName: this.table,
        KeyConditionExpression: 'accountId = :a',
        ExpressionAttributeValues: { ':a': accountId },
      }),
    );
    const items_: Mapping[] = [];
    const invalid: InvalidItem[] = [];
    for (const item of items) {
      const parsed = toMapping(item);
      if ('problems' in parsed) invalid.push(parsed);
      else items_.push(parsed);
    }
    return { items: items_, invalid };
  }

  async get(accountId: string, clientId: string): Promise<Mapping | InvalidItem | undefined> {
    const out = await guarded(this.table, 'GetItem', () =>
      this.db.send(new GetCommand({ TableName: this.table, Key: { accountId, clientId } })),
    );
    return out.Item ? toMapping(out.Item) : undefined;
  }

  async put(mapping: Mapping): Promise<void> {
    await guarded(this.table, 'PutItem', () =>
      this.db.send(new PutCommand({ TableName: this.table, Item: toItem(MAPPING_FIELDS, mapping) })),
    );
  }

  /** Writes many mappings in batches of 25, retrying unprocessed items. */
  async putMany(mappings: readonly Mapping[]): Promise<void> {
    await batchPut(
      this.db,
      this.table,
      mappings.map((m) => toItem(MAPPING_FIELDS, m)),
    );
  }

  async remove(accountId: string, clientId: string): Promise<boolean> {
    const out = await guarded(this.table, 'DeleteItem', () =>
      this.db.send(new DeleteCommand({ TableName: this.table, Key: { accountId, clientId }, ReturnValues: 'ALL_OLD' })),
    );
    return out.Attributes !== undefined;
  }

  async setEnabled(accountId: string, clientId: string, enabled: boolean): Promise<boolean> {
    return setEnabledIfExists(this.db, this.table, { accountId, clientId }, 'clientId', enabled);
  }
}

export function usageKey(period: string, clientId: string): string {
  return `${period}#${clientId}`;
}

export class DynamoUsageRepository implements UsageRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async listByPeriod(accountId: string, period: Period): Promise<Validated<UsageItem>> {
    const items = await guarded(this.table, 'Query', () =>
      queryAll(this.db, {
        TableName: this.table,
        KeyConditionExpression: 'accountId = :a AND begins_with(usageKey, :p)',
        ExpressionAttributeValues: { ':a': accountId, ':p': `${period.key}#` },
      }),
    );
    const valid: UsageItem[] = [];
    const invalid: InvalidItem[] = [];
    for (const item of items) {
      const key = keyOf(item, ['accountId', 'usageKey']);
      const result = validateItem(usageItemSchema, item);
      if (!result.ok) {
        invalid.push({ key, problems: result.problems });
        continue;
      }
      const v = result.value;
      if (v.period !== period.key || v.usageKey !== usageKey(v.period, v.clientId)) {
        invalid.push({
          key,
          problems: [
            {
              field: 'usageKey',
              problem: `must equal "<period>#<clientId>" (period ${v.period}, clientId ${v.clientId})`,
            },
          ],
        });
        continue;
      }
      valid.push(v);
    }
    return { items: valid, invalid };
  }

  async putMany(items: readonly UsageItem[]): Promise<void> {
    await batchPut(
      this.db,
      this.table,
      items.map((u) => ({ ...u })),
    );
  }
}

async function batchPut(db: DynamoDBDocumentClient, table: string, items: readonly Item[]): Promise<void> {
  await guarded(table, 'BatchWriteItem', async () => {
    for (let i = 0; i < items.length; i += 25) {
      let requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > 8) throw new Error(`${requests.length} items stayed unprocessed after retries`);
        if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
        requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
      }
    }
  });
}
