import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { LEDGER_TTL_ATTRIBUTE, TABLE_KEYS } from '../contract.js';
import type { LookupChunk, LookupJournal } from '../publisher/resolution.js';
import type { StallState, StallStore } from '../publisher/time-budget.js';
import { wholeItemUpdate } from './whole-item-update.js';
import { guarded, queryAll } from './dynamodb-repositories.js';
import { LEDGER_KEYS } from './ledger-keys.js';

const { partitionKey: PK, sortKey: SK } = TABLE_KEYS.ledger;

/** A run lasts at most a day (the state machine's timeout); its look-up journal goes a while after. */
const LOOKUP_RETENTION_DAYS = 14;

const chunkSchema = z.object({
  companyIds: z.array(z.number().int()),
  holding: z.array(
    z.object({
      company: z.object({ id: z.number().int(), identifier: z.string(), name: z.string() }),
      managedIds: z.array(z.string()),
    }),
  ),
});

const stallSchema = z.object({ count: z.number().int().min(0), since: z.string().optional() });

/**
 * The look-up journal of one account run, in the Ledger table (`#lookup#<accountId>#<runId>`): one
 * item per chunk of companies whose Management tabs were read, keyed by the chunk's lowest company
 * id (each company is in one chunk only, so a retried invocation never overwrites another's chunk).
 * Items expire by TTL; an unreadable one is skipped (its companies are simply read again).
 */
export class DynamoLookupJournal implements LookupJournal, StallStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly table: string,
    private readonly accountId: string,
    private readonly runId: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private get key(): string {
    return LEDGER_KEYS.lookup(this.accountId, this.runId);
  }

  async load(): Promise<LookupChunk[]> {
    const items = await guarded(this.table, 'Query', () =>
      queryAll(this.db, {
        TableName: this.table,
        KeyConditionExpression: `${PK} = :k`,
        ExpressionAttributeValues: { ':k': this.key },
        // The next invocation reads what the one before it has just written.
        ConsistentRead: true,
      }),
    );
    return items.flatMap((item) => {
      if (item[SK] === LEDGER_KEYS.stallSort) return [];
      const parsed = chunkSchema.safeParse(item);
      return parsed.success ? [parsed.data] : [];
    });
  }

  async loadStall(): Promise<StallState> {
    const out = await guarded(this.table, 'GetItem', () =>
      this.db.send(
        new GetCommand({
          TableName: this.table,
          Key: { [PK]: this.key, [SK]: LEDGER_KEYS.stallSort },
          ConsistentRead: true,
        }),
      ),
    );
    const parsed = stallSchema.safeParse(out.Item);
    // None yet, or unreadable (edited by hand): no stall known, which can only delay a stop.
    return parsed.success ? parsed.data : { count: 0 };
  }

  async saveStall(state: StallState): Promise<void> {
    await this.write(
      LEDGER_KEYS.stallSort,
      { count: state.count, ...(state.since ? { since: state.since } : {}) },
      state.since ? [] : ['since'],
    );
  }

  private expires(): number {
    return Math.floor(this.clock().getTime() / 1000) + LOOKUP_RETENTION_DAYS * 86_400;
  }

  async append(chunk: LookupChunk): Promise<void> {
    if (chunk.companyIds.length === 0) return;
    const first = Math.min(...chunk.companyIds);
    await this.write(LEDGER_KEYS.lookupSort(first), {
      companyIds: [...chunk.companyIds],
      holding: chunk.holding.map(({ company, managedIds }) => ({
        company: { id: company.id, identifier: company.identifier, name: company.name },
        managedIds: [...managedIds],
      })),
    });
  }

  /**
   * Writes one item whole. An UpdateItem that sets every attribute rather than a PutItem: the function
   * needs no PutItem grant on the Ledger (contract v3: no unused grants), and the item is ours alone.
   */
  private async write(sort: string, attributes: Record<string, unknown>, remove: string[] = []): Promise<void> {
    const values = { ...attributes, [LEDGER_TTL_ATTRIBUTE]: this.expires() };
    await guarded(this.table, 'UpdateItem', () =>
      this.db.send(wholeItemUpdate(this.table, { [PK]: this.key, [SK]: sort }, values, { remove })),
    );
  }
}
