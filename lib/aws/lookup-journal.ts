import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { LEDGER_TTL_ATTRIBUTE, TABLE_KEYS } from '../contract.js';
import type { LookupChunk, LookupJournal } from '../publisher/resolution.js';
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

/**
 * The look-up journal of one account run, in the Ledger table (`#lookup#<accountId>#<runId>`): one
 * item per chunk of companies whose Management tabs were read, keyed by the chunk's lowest company
 * id (each company is in one chunk only, so a retried invocation never overwrites another's chunk).
 * Items expire by TTL; an unreadable one is skipped (its companies are simply read again).
 */
export class DynamoLookupJournal implements LookupJournal {
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
      const parsed = chunkSchema.safeParse(item);
      return parsed.success ? [parsed.data] : [];
    });
  }

  async append(chunk: LookupChunk): Promise<void> {
    if (chunk.companyIds.length === 0) return;
    const first = Math.min(...chunk.companyIds);
    const expires = Math.floor(this.clock().getTime() / 1000) + LOOKUP_RETENTION_DAYS * 86_400;
    await guarded(this.table, 'PutItem', () =>
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            [PK]: this.key,
            [SK]: LEDGER_KEYS.lookupSort(first),
            companyIds: [...chunk.companyIds],
            holding: chunk.holding.map(({ company, managedIds }) => ({
              company: { id: company.id, identifier: company.identifier, name: company.name },
              managedIds: [...managedIds],
            })),
            [LEDGER_TTL_ATTRIBUTE]: expires,
          },
        }),
      ),
    );
  }
}
