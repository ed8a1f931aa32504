import { UpdateCommand } from '@aws-sdk/lib-dynamodb';

/**
 * One UpdateItem that writes an item whole (SET every attribute, REMOVE the ones given), instead of a
 * PutItem: the function keeps only the Ledger grants it needs (Query, GetItem, UpdateItem; contract v3
 * "no unused grants"). `onlyNew` makes it a create-once write (append-only history).
 */
export function wholeItemUpdate(
  table: string,
  key: Readonly<Record<string, string>>,
  attributes: Readonly<Record<string, unknown>>,
  options: { readonly remove?: readonly string[]; readonly onlyNew?: boolean } = {},
): UpdateCommand {
  const names = Object.keys(attributes).filter((n) => !(n in key) && attributes[n] !== undefined);
  const remove = options.remove ?? [];
  const keyName = Object.keys(key)[0]!;
  return new UpdateCommand({
    TableName: table,
    Key: { ...key },
    UpdateExpression:
      `SET ${names.map((_, i) => `#a${i} = :v${i}`).join(', ')}` +
      (remove.length ? ` REMOVE ${remove.map((_, i) => `#r${i}`).join(', ')}` : ''),
    ExpressionAttributeNames: {
      ...Object.fromEntries(names.map((n, i) => [`#a${i}`, n])),
      ...Object.fromEntries(remove.map((n, i) => [`#r${i}`, n])),
      ...(options.onlyNew ? { '#key': keyName } : {}),
    },
    ExpressionAttributeValues: Object.fromEntries(names.map((n, i) => [`:v${i}`, attributes[n]])),
    ...(options.onlyNew ? { ConditionExpression: 'attribute_not_exists(#key)' } : {}),
  });
}
