import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ClientNamesPort, MappingCreator } from '../onboarding/ports.js';
import type { Mapping } from '../publisher/ports/index.js';
import { guarded, queryAll } from './dynamodb-repositories.js';

/**
 * Onboarding's DynamoDB side: the usage table's latest client names, and mappings written only where a
 * client has none (a conditional put), so accepting a suggestion never changes a mapping a person made.
 */
export class DynamoOnboardingStore implements ClientNamesPort, MappingCreator {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tables: { readonly mappings: string; readonly usage: string },
  ) {}

  async createIfAbsent(mapping: Mapping): Promise<boolean> {
    return guarded(this.tables.mappings, 'PutItem', async () => {
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.tables.mappings,
            Item: { ...mapping },
            ConditionExpression: 'attribute_not_exists(clientId)',
          }),
        );
        return true;
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') return false;
        throw error;
      }
    });
  }

  /** Each client's name from its latest usage item that has one (usage keys sort by period first). */
  async latest(accountId: string): Promise<ReadonlyMap<string, string>> {
    const items = await guarded(this.tables.usage, 'Query', () =>
      queryAll(this.db, {
        TableName: this.tables.usage,
        KeyConditionExpression: 'accountId = :a',
        FilterExpression: 'attribute_exists(#n)',
        ProjectionExpression: '#k, #c, #n',
        ExpressionAttributeNames: { '#k': 'usageKey', '#c': 'clientId', '#n': 'clientName' },
        ExpressionAttributeValues: { ':a': accountId },
      }),
    );
    const names = new Map<string, string>();
    // Ascending usageKey = ascending period: a later item overwrites an earlier one.
    for (const item of items) {
      const { clientId, clientName } = item;
      if (typeof clientId === 'string' && typeof clientName === 'string' && clientName.trim() !== '')
        names.set(clientId, clientName);
    }
    return names;
  }
}
