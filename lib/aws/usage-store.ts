import { DeleteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { StoreError } from '../errors.js';

/**
 * Deletes usage items by key. The usage repository has no delete (the publisher never needs one);
 * an import needs it only to roll back items it created before a failed write.
 */
export async function deleteUsageItems(
  db: DynamoDBDocumentClient,
  table: string,
  keys: readonly { readonly accountId: string; readonly usageKey: string }[],
): Promise<void> {
  const limit = pLimit(8);
  try {
    await Promise.all(
      keys.map((k) =>
        limit(() =>
          db.send(new DeleteCommand({ TableName: table, Key: { accountId: k.accountId, usageKey: k.usageKey } })),
        ),
      ),
    );
  } catch (error) {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new StoreError(`DynamoDB DeleteItem on table ${table} failed: ${detail}`, { table, cause: error });
  }
}
