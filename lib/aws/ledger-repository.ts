import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import * as z from 'zod';
import {
  CLIENT_STATUSES,
  CLIENT_STATUS_NAMES,
  LEDGER_TTL_ATTRIBUTE,
  RUN_STATUS_NAMES,
  TABLE_KEYS,
  type ClientStatus,
} from '../contract.js';
import type { HistoryEntry, LedgerEntry, LedgerRepository, LedgerRow, RunRecord } from '../publisher/ports/index.js';
import { guarded, queryAll } from './dynamodb-repositories.js';
import { expiresAt, LEDGER_KEYS } from './ledger-keys.js';
import { wholeItemUpdate } from './whole-item-update.js';

const { partitionKey: PK, sortKey: SK } = TABLE_KEYS.ledger;
const status = z.enum(CLIENT_STATUS_NAMES as [ClientStatus, ...ClientStatus[]]);

const ledgerEntrySchema = z.object({
  clientId: z.string(),
  managedId: z.string(),
  status,
  // Rows written before `outcome` existed carry only `status`.
  outcome: status.optional(),
  reason: z.string().optional(),
  usageGb: z.number().optional(),
  billableSpaceGb: z.number().optional(),
  publishedGb: z.number().optional(),
  publishedAt: z.string().optional(),
  companyId: z.number().optional(),
  companyIdentifier: z.string().optional(),
  companyName: z.string().optional(),
  configurationId: z.number().optional(),
  retiredConfigurationIds: z.array(z.number()).optional(),
  runId: z.string(),
  updatedAt: z.string(),
});

const runRecordSchema = z.object({
  accountId: z.string(),
  period: z.string(),
  runId: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  ...Object.fromEntries(RUN_STATUS_NAMES.map((s) => [s, z.number()])),
  sync: z.enum(['triggered', 'failed', 'not-needed']),
  error: z.string().optional(),
  outcome: z.enum(['ok', 'failed']),
  invocations: z.number(),
});

/**
 * What a period's row says about billing: a client whose values a run of this period wrote stays
 * `published` when a later re-run (or the re-run after a crash) finds them `unchanged`.
 */
export function ledgerStatus(outcome: ClientStatus): ClientStatus {
  return outcome === 'unchanged' ? 'published' : outcome;
}

/**
 * The Ledger: one row per client and period (latest outcome; `published*` kept across later failed
 * runs), and one record per account run. Rows that fail validation (edited by hand) are left out of
 * `list` rather than cast blindly.
 */
export class DynamoLedgerRepository implements LedgerRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async record(rows: readonly LedgerRow[]): Promise<void> {
    const limit = pLimit(8);
    // The history first: a crash between the two leaves an entry the latest-state row can be rebuilt from.
    await recordHistory(this.db, this.table, rows);
    await guarded(this.table, 'UpdateItem', () => Promise.all(rows.map((row) => limit(() => this.recordOne(row)))));
  }

  listHistory(
    accountId: string,
    period: string,
    only: { runId?: string; clientId?: string } = {},
  ): Promise<HistoryEntry[]> {
    return listHistory(this.db, this.table, accountId, period, only);
  }

  private recordOne(row: LedgerRow): Promise<unknown> {
    const billed = CLIENT_STATUSES[row.status].billed;
    const values: Record<string, unknown> = {
      ':status': ledgerStatus(row.status),
      ':outcome': row.status,
      ':managedId': row.managedId,
      ':runId': row.runId,
      ':at': row.at,
      ':expires': expiresAt(row.at),
    };
    const set = [
      '#status = :status',
      'outcome = :outcome',
      'managedId = :managedId',
      'runId = :runId',
      'updatedAt = :at',
      `${LEDGER_TTL_ATTRIBUTE} = :expires`,
    ];
    const remove: string[] = [];
    const optional = (name: string, value: unknown) => {
      if (value === undefined) remove.push(name);
      else {
        set.push(`${name} = :${name}`);
        values[`:${name}`] = value;
      }
    };
    optional('reason', row.reason);
    // Contract v3: the usage beside the billed GB (they differ by the mapping's included allowance).
    optional('usageGb', row.usageGb);
    optional('retiredConfigurationIds', row.retiredConfigurationIds?.length ? row.retiredConfigurationIds : undefined);
    if (row.billableSpaceGb !== undefined) {
      set.push('billableSpaceGb = :gb');
      values[':gb'] = row.billableSpaceGb;
    }
    // A stopped client's row names the company where its billing stopped (`cwpub billing` shows it).
    if (row.status === 'retired') {
      optional('companyId', row.companyId);
      optional('companyIdentifier', row.companyIdentifier);
    }
    if ((billed || row.status === 'retired') && row.companyName !== undefined) {
      set.push('companyName = :companyName');
      values[':companyName'] = row.companyName;
    }
    // What ConnectWise holds for the period is kept across later failed runs.
    if (billed && row.billableSpaceGb !== undefined) {
      // publishedAt: when the values were last written; a re-run that finds them unchanged keeps it.
      set.push(
        'publishedGb = :gb',
        row.status === 'published' ? 'publishedAt = :at' : 'publishedAt = if_not_exists(publishedAt, :at)',
      );
      if (row.companyId !== undefined) {
        set.push('companyId = :companyId');
        values[':companyId'] = row.companyId;
      }
      if (row.companyIdentifier !== undefined) {
        set.push('companyIdentifier = :companyIdentifier');
        values[':companyIdentifier'] = row.companyIdentifier;
      }
      if (row.configurationId !== undefined) {
        set.push('configurationId = :configurationId');
        values[':configurationId'] = row.configurationId;
      }
    }
    return this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { [PK]: LEDGER_KEYS.period(row.accountId, row.period), [SK]: row.clientId },
        UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: values,
      }),
    );
  }

  async list(accountId: string, period: string): Promise<LedgerEntry[]> {
    const items = await guarded(this.table, 'Query', () =>
      queryAll(this.db, {
        TableName: this.table,
        KeyConditionExpression: `${PK} = :k`,
        ExpressionAttributeValues: { ':k': LEDGER_KEYS.period(accountId, period) },
        // A continuation reads what the invocation before it has just written.
        ConsistentRead: true,
      }),
    );
    const entries: LedgerEntry[] = [];
    for (const item of items) {
      const parsed = ledgerEntrySchema.safeParse(item);
      if (!parsed.success) continue;
      const { outcome, ...rest } = parsed.data;
      entries.push({ ...rest, outcome: outcome ?? parsed.data.status } as LedgerEntry);
    }
    return entries;
  }

  async recordRun(run: RunRecord): Promise<void> {
    const item = { ...run, [LEDGER_TTL_ATTRIBUTE]: expiresAt(run.finishedAt) };
    const names = Object.keys(item);
    await guarded(this.table, 'UpdateItem', () =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { [PK]: LEDGER_KEYS.runs(run.accountId), [SK]: LEDGER_KEYS.runSort(run.startedAt, run.runId) },
          UpdateExpression: `SET ${names.map((_, i) => `#n${i} = :v${i}`).join(', ')}`,
          ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#n${i}`, n])),
          ExpressionAttributeValues: Object.fromEntries(
            names.map((n, i) => [`:v${i}`, (item as Record<string, unknown>)[n]]),
          ),
        }),
      ),
    );
  }

  async listRuns(accountId: string, options: { period?: string; limit?: number } = {}): Promise<RunRecord[]> {
    const limit = options.limit ?? 20;
    const items = await guarded(this.table, 'Query', () =>
      queryAll(this.db, {
        TableName: this.table,
        KeyConditionExpression: `${PK} = :k`,
        ExpressionAttributeValues: { ':k': LEDGER_KEYS.runs(accountId) },
        ScanIndexForward: false,
      }),
    );
    const runs: RunRecord[] = [];
    for (const item of items) {
      const parsed = runRecordSchema.safeParse(item);
      if (!parsed.success) continue;
      if (options.period !== undefined && parsed.data.period !== options.period) continue;
      runs.push(parsed.data as RunRecord);
      if (runs.length >= limit) break;
    }
    return runs;
  }
}

// ---- The append-only history (issue 16) -------------------------------------------------------------

/** What the history keeps: a run's changes (published, retired, a move's retired ids) and its failures. */
export function belongsInHistory(row: LedgerRow): boolean {
  return (
    row.status === 'published' ||
    row.status === 'retired' ||
    row.status === 'failed' ||
    (row.retiredConfigurationIds?.length ?? 0) > 0
  );
}

const historySchema = z.object({
  accountId: z.string(),
  period: z.string(),
  runId: z.string(),
  at: z.string(),
  client: z.string(),
  managedId: z.string(),
  status,
  reason: z.string().optional(),
  usageGb: z.number().optional(),
  billableSpaceGb: z.number().optional(),
  companyId: z.number().optional(),
  companyIdentifier: z.string().optional(),
  companyName: z.string().optional(),
  configurationId: z.number().optional(),
  retiredConfigurationIds: z.array(z.number()).optional(),
});

function historyKey(row: LedgerRow): Record<string, string> {
  return {
    [PK]: LEDGER_KEYS.history(row.accountId, row.period),
    [SK]: LEDGER_KEYS.historySort(row.runId, row.clientId),
  };
}

/** The item of one run's outcome for one client; `client` holds the client id (the sort key is taken). */
export function historyItem(row: LedgerRow): Record<string, unknown> {
  const optional = {
    reason: row.reason,
    usageGb: row.usageGb,
    billableSpaceGb: row.billableSpaceGb,
    companyId: row.companyId,
    companyIdentifier: row.companyIdentifier,
    companyName: row.companyName,
    configurationId: row.configurationId,
    retiredConfigurationIds: row.retiredConfigurationIds?.length ? [...row.retiredConfigurationIds] : undefined,
  };
  return {
    ...historyKey(row),
    accountId: row.accountId,
    period: row.period,
    runId: row.runId,
    at: row.at,
    client: row.clientId,
    managedId: row.managedId,
    status: row.status,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    [LEDGER_TTL_ATTRIBUTE]: expiresAt(row.at),
  };
}

/**
 * Adds the rows that belong in the history, each written once: a retried invocation writing the same
 * run's row again finds it there and leaves it as it was (append-only).
 */
async function recordHistory(db: DynamoDBDocumentClient, table: string, rows: readonly LedgerRow[]): Promise<void> {
  const limit = pLimit(8);
  // A retirement an earlier run of the month made is already in the history, unless that run died
  // before recording it: then this run's report is its only record.
  const carried = rows.filter((r) => r.carriedOver && belongsInHistory(r));
  const recorded = carried.length ? await listHistory(db, table, carried[0]!.accountId, carried[0]!.period, {}) : [];
  const already = new Set(recorded.filter((e) => e.status === 'retired').map((e) => e.clientId));
  await guarded(table, 'UpdateItem', () =>
    Promise.all(
      rows
        .filter((r) => belongsInHistory(r) && !(r.carriedOver && already.has(r.clientId)))
        .map((row) =>
          limit(async () => {
            try {
              await db.send(wholeItemUpdate(table, historyKey(row), historyItem(row), { onlyNew: true }));
            } catch (error) {
              if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
            }
          }),
        ),
    ),
  );
}

async function listHistory(
  db: DynamoDBDocumentClient,
  table: string,
  accountId: string,
  period: string,
  only: { runId?: string; clientId?: string },
): Promise<HistoryEntry[]> {
  const items = await guarded(table, 'Query', () =>
    queryAll(db, {
      TableName: table,
      KeyConditionExpression: only.runId === undefined ? `${PK} = :k` : `${PK} = :k AND begins_with(${SK}, :run)`,
      ExpressionAttributeValues: {
        ':k': LEDGER_KEYS.history(accountId, period),
        ...(only.runId === undefined ? {} : { ':run': `${only.runId}#` }),
      },
    }),
  );
  const entries: HistoryEntry[] = [];
  for (const item of items) {
    const parsed = historySchema.safeParse(item);
    if (!parsed.success) continue;
    const { client, ...rest } = parsed.data;
    if (only.clientId !== undefined && client !== only.clientId) continue;
    entries.push({ ...rest, clientId: client } as HistoryEntry);
  }
  // Run ids are random: the time a run recorded the entry orders them.
  return entries.sort((a, b) => a.at.localeCompare(b.at) || a.clientId.localeCompare(b.clientId));
}
