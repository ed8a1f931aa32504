import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import * as z from 'zod';
import { TABLE_KEYS } from '../contract.js';
import type {
  AccountStateRepository,
  InvalidItem,
  MonthGuard,
  OwnedConfiguration,
  OwnershipRepository,
  ResolutionCache,
  RunLock,
  Validated,
} from '../publisher/ports/index.js';
import { guarded, queryAll, validateItem } from './dynamodb-repositories.js';
import { expiresAt, LEDGER_KEYS } from './ledger-keys.js';
import { LEDGER_TTL_ATTRIBUTE } from '../contract.js';

const { partitionKey: PK, sortKey: SK } = TABLE_KEYS.ledger;

/**
 * A ConnectWise record id. A hand edit in the DynamoDB console easily turns N into S: a string of
 * digits is read as that id (the record keeps its meaning: the client's ownership is not lost).
 */
const recordId = z.union(
  [
    z.number().int().positive(),
    z
      .string()
      .regex(/^[1-9]\d{0,14}$/)
      .transform(Number),
  ],
  { error: 'must be a ConnectWise record id (a whole number)' },
);

const ownedSchema = z.object({
  accountId: z.string(),
  ownerClientId: z.string(),
  configurationId: recordId,
  companyId: recordId,
  companyIdentifier: z.string().optional(),
  managedId: z.string(),
  origin: z.enum(['created', 'adopted']),
  active: z.boolean(),
  period: z.string().optional(),
  retiredReason: z.string().optional(),
  retiredPeriod: z.string().optional(),
  updatedAt: z.string(),
  runId: z.string(),
});

/** SET every attribute of `item` (undefined ones removed), in one UpdateItem. */
function updateAll(table: string, key: Record<string, unknown>, item: Record<string, unknown>): UpdateCommand {
  const entries = Object.entries(item);
  const set = entries.filter(([, v]) => v !== undefined);
  const remove = entries.filter(([, v]) => v === undefined);
  const names = Object.fromEntries(entries.map(([n], i) => [`#n${i}`, n]));
  const ref = (name: string) => `#n${entries.findIndex(([n]) => n === name)}`;
  return new UpdateCommand({
    TableName: table,
    Key: key,
    UpdateExpression:
      `SET ${set.map(([n], i) => `${ref(n)} = :v${i}`).join(', ')}` +
      (remove.length ? ` REMOVE ${remove.map(([n]) => ref(n)).join(', ')}` : ''),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: Object.fromEntries(set.map(([, v], i) => [`:v${i}`, v])),
  });
}

/** The configurations each account owns, kept in the Ledger table (`#owned#<accountId>`), never expiring. */
export class DynamoOwnershipRepository implements OwnershipRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async listByAccount(accountId: string): Promise<OwnedConfiguration[]> {
    return [...(await this.listChecked(accountId)).items];
  }

  /**
   * Every ownership record of the account, and those that cannot be read (wrong types, numbers
   * JavaScript cannot hold), each named by its client and key: never dropped silently, since a lost
   * record would let its client keep being billed (contract v3 "Unreadable items are one bad item").
   */
  async listChecked(accountId: string): Promise<Validated<OwnedConfiguration>> {
    const items = await guarded(this.table, 'Query', () =>
      queryAll(this.db, {
        TableName: this.table,
        KeyConditionExpression: `${PK} = :k`,
        ExpressionAttributeValues: { ':k': LEDGER_KEYS.owned(accountId) },
        ConsistentRead: true,
      }),
    );
    const owned: OwnedConfiguration[] = [];
    const invalid: InvalidItem[] = [];
    for (const item of items) {
      const parsed = validateItem(ownedSchema, item);
      if (!parsed.ok) {
        invalid.push({ key: ownedRecordKey(item), problems: parsed.problems });
        continue;
      }
      const { ownerClientId, ...rest } = parsed.value;
      owned.push({ ...rest, clientId: ownerClientId });
    }
    return { items: owned, invalid };
  }

  async put(records: readonly OwnedConfiguration[]): Promise<void> {
    const limit = pLimit(8);
    await guarded(this.table, 'UpdateItem', () =>
      Promise.all(
        records.map((r) =>
          limit(() => {
            const { clientId, ...rest } = r;
            return this.db.send(
              updateAll(
                this.table,
                { [PK]: LEDGER_KEYS.owned(r.accountId), [SK]: LEDGER_KEYS.ownedSort(clientId, r.configurationId) },
                { ...rest, ownerClientId: clientId },
              ),
            );
          }),
        ),
      ),
    );
  }
}

/** An unreadable ownership record's client (its attribute, else its sort key `<clientId>#<configurationId>`) and key. */
function ownedRecordKey(item: Record<string, unknown>): Record<string, string> {
  const sort = typeof item[SK] === 'string' ? item[SK] : '';
  const cut = sort.lastIndexOf('#');
  const clientId = typeof item.ownerClientId === 'string' ? item.ownerClientId : cut > 0 ? sort.slice(0, cut) : sort;
  // Where to find it in the Ledger: runKey, then the sort key `clientId`.
  return { clientId, ledgerItem: `${String(item[PK])} / ${sort}` };
}

/**
 * Why a lock item that no run can take cannot be read, or undefined when it reads fine: a lease that is
 * not a number (a hand edit, a number JavaScript cannot hold) or further ahead than any lease we write.
 */
function unreadableLock(item: Record<string, unknown>, now: number, leaseMs: number): string | undefined {
  const lease = item.leaseUntil;
  if (typeof lease !== 'number') return `leaseUntil is ${lease === undefined ? 'missing' : 'not a number'}`;
  if (lease > now + 3 * leaseMs) return 'leaseUntil is further ahead than any lease';
  if (typeof item.runId !== 'string') return 'runId is not a string';
  return undefined;
}

/** Where each Managed ID of an account was last found (`#resolved#<accountId>`), never expiring. */
export class DynamoResolutionCache implements ResolutionCache {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async load(accountId: string): Promise<ReadonlyMap<string, readonly number[]>> {
    const items = await guarded(this.table, 'Query', () =>
      queryAll(this.db, {
        TableName: this.table,
        KeyConditionExpression: `${PK} = :k`,
        ExpressionAttributeValues: { ':k': LEDGER_KEYS.resolved(accountId) },
      }),
    );
    const found = new Map<string, number[]>();
    for (const item of items) {
      const ids = item.companyIds;
      if (typeof item[SK] === 'string' && Array.isArray(ids) && ids.every((id) => typeof id === 'number')) {
        found.set(item[SK], ids);
      }
    }
    return found;
  }

  async save(accountId: string, found: ReadonlyMap<string, readonly number[]>): Promise<void> {
    const limit = pLimit(8);
    const at = new Date().toISOString();
    await guarded(this.table, 'UpdateItem', () =>
      Promise.all(
        [...found].map(([managedId, companyIds]) =>
          limit(() =>
            this.db.send(
              updateAll(
                this.table,
                { [PK]: LEDGER_KEYS.resolved(accountId), [SK]: managedId },
                { companyIds: [...companyIds], updatedAt: at },
              ),
            ),
          ),
        ),
      ),
    );
  }
}

/**
 * One run per account at a time: a lease on an item of the Ledger table, taken with a conditional
 * write (atomic in DynamoDB), renewed while the run lasts, released at its end. A crashed run's lease
 * runs out after `leaseMs`, so it blocks the account for at most that long.
 */
export class DynamoRunLock implements RunLock {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly table: string,
    readonly leaseMs: number,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async acquire(accountId: string, runId: string): Promise<{ heldBy: string; since: string } | undefined> {
    const now = this.clock().getTime();
    const key = { [PK]: LEDGER_KEYS.lock(accountId), [SK]: LEDGER_KEYS.lockSort };
    const until = now + this.leaseMs;
    // Renew our own lease; else take a free, expired or long-unreadable one (a fresh `since`); else it is busy.
    const renewed = await this.conditionalUpdate(
      key,
      'SET leaseUntil = :until REMOVE unreadableSince',
      'runId = :run',
      {
        ':run': runId,
        ':until': until,
      },
    );
    if (renewed) return undefined;
    const taken = await this.conditionalUpdate(
      key,
      'SET runId = :run, leaseUntil = :until, since = :now REMOVE unreadableSince',
      'attribute_not_exists(runId) OR leaseUntil < :nowMs OR unreadableSince < :staleBefore',
      {
        ':run': runId,
        ':until': until,
        ':now': new Date(now).toISOString(),
        ':nowMs': now,
        ':staleBefore': now - this.leaseMs,
      },
    );
    if (taken) return undefined;
    const out = await guarded(this.table, 'GetItem', () =>
      this.db.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true })),
    );
    const item = out.Item ?? {};
    const heldBy = typeof item.runId === 'string' ? item.runId : 'unknown';
    const unreadable = unreadableLock(item, now, this.leaseMs);
    if (unreadable === undefined) return { heldBy, since: typeof item.since === 'string' ? item.since : 'unknown' };
    // Contract v3: a lock item that cannot be read blocks the account for at most a lease from when it was
    // first seen (not forever): remember that moment on the item; a later run takes it once it is a lease old.
    const firstSeen = typeof item.unreadableSince === 'number' ? item.unreadableSince : now;
    if (typeof item.unreadableSince !== 'number') {
      await this.conditionalUpdate(key, 'SET unreadableSince = :now', 'attribute_not_exists(unreadableSince)', {
        ':now': now,
      });
    }
    return {
      heldBy: `${heldBy}; the lock item is unreadable (${unreadable}) and is taken over at ${new Date(firstSeen + this.leaseMs).toISOString()}`,
      since: new Date(firstSeen).toISOString(),
    };
  }

  async renew(accountId: string, runId: string): Promise<boolean> {
    const key = { [PK]: LEDGER_KEYS.lock(accountId), [SK]: LEDGER_KEYS.lockSort };
    // Whoever took the account since (even after our lease ran out) changed runId: then we lost it.
    return this.conditionalUpdate(key, 'SET leaseUntil = :until', 'runId = :run', {
      ':run': runId,
      ':until': this.clock().getTime() + this.leaseMs,
    });
  }

  /** One conditional UpdateItem: true when written, false when its condition did not hold. */
  private async conditionalUpdate(
    key: Record<string, string>,
    update: string,
    condition: string,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    return guarded(this.table, 'UpdateItem', async () => {
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: key,
            UpdateExpression: update,
            ConditionExpression: condition,
            ExpressionAttributeValues: values,
          }),
        );
        return true;
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') return false;
        throw error;
      }
    });
  }

  async release(accountId: string, runId: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { [PK]: LEDGER_KEYS.lock(accountId), [SK]: LEDGER_KEYS.lockSort },
          // The next run starts a fresh `since`.
          UpdateExpression: 'SET leaseUntil = :zero REMOVE since',
          ConditionExpression: 'runId = :run',
          ExpressionAttributeValues: { ':zero': 0, ':run': runId },
        }),
      );
    } catch (error) {
      // Another run took over after our lease ran out: nothing of ours to release.
      if ((error as Error).name === 'ConditionalCheckFailedException') return;
      throw error;
    }
  }
}

/**
 * The owed Management sync and each period's mass-retirement record, in the Ledger table under
 * `#state#<accountId>` (contract v3: computed by the product, never taken from a payload).
 */
export class DynamoAccountStateRepository implements AccountStateRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  private key(accountId: string, sort: string): Record<string, string> {
    return { [PK]: LEDGER_KEYS.accountState(accountId), [SK]: sort };
  }

  async syncOwedSince(accountId: string): Promise<string | undefined> {
    const out = await guarded(this.table, 'GetItem', () =>
      this.db.send(
        new GetCommand({
          TableName: this.table,
          Key: this.key(accountId, LEDGER_KEYS.syncOwedSort),
          ConsistentRead: true,
        }),
      ),
    );
    const since = out.Item?.owedSince;
    return typeof since === 'string' ? since : undefined;
  }

  async oweSync(accountId: string, runId: string, at: string): Promise<void> {
    await guarded(this.table, 'UpdateItem', () =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(accountId, LEDGER_KEYS.syncOwedSort),
          // The oldest unsettled change keeps its time; the latest writer is named.
          UpdateExpression: 'SET owedSince = if_not_exists(owedSince, :at), lastChangeAt = :at, owedBy = :run',
          ExpressionAttributeValues: { ':at': at, ':run': runId },
        }),
      ),
    );
  }

  async syncDone(accountId: string, startedAt: string): Promise<void> {
    await guarded(this.table, 'UpdateItem', async () => {
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: this.key(accountId, LEDGER_KEYS.syncOwedSort),
            UpdateExpression: 'REMOVE owedSince, lastChangeAt, owedBy',
            // A change made after this sync started is still owed.
            ConditionExpression: 'attribute_exists(owedSince) AND lastChangeAt <= :started',
            ExpressionAttributeValues: { ':started': startedAt },
          }),
        );
      } catch (error) {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      }
    });
  }

  async monthGuard(accountId: string, period: string, base?: number): Promise<MonthGuard | undefined> {
    const Key = this.key(accountId, LEDGER_KEYS.monthGuardSort(period));
    const item =
      base === undefined
        ? (
            await guarded(this.table, 'GetItem', () =>
              this.db.send(new GetCommand({ TableName: this.table, Key, ConsistentRead: true })),
            )
          ).Item
        : (
            await guarded(this.table, 'UpdateItem', () =>
              this.db.send(
                new UpdateCommand({
                  TableName: this.table,
                  Key,
                  UpdateExpression: 'SET #base = if_not_exists(#base, :base), #ttl = if_not_exists(#ttl, :ttl)',
                  ExpressionAttributeNames: { '#base': 'base', '#ttl': LEDGER_TTL_ATTRIBUTE },
                  ExpressionAttributeValues: { ':base': base, ':ttl': expiresAt(new Date().toISOString()) },
                  ReturnValues: 'ALL_NEW',
                }),
              ),
            )
          ).Attributes;
    if (!item || typeof item.base !== 'number') return undefined;
    const retired = item.retired instanceof Set ? [...(item.retired as Set<unknown>)] : [];
    return { base: item.base, retired: retired.filter((c): c is string => typeof c === 'string') };
  }

  async countRetired(accountId: string, period: string, clientIds: readonly string[]): Promise<void> {
    if (clientIds.length === 0) return;
    await guarded(this.table, 'UpdateItem', () =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(accountId, LEDGER_KEYS.monthGuardSort(period)),
          UpdateExpression: 'ADD retired :ids',
          ExpressionAttributeValues: { ':ids': new Set(clientIds) },
        }),
      ),
    );
  }
}
