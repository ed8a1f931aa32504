import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, NumberValue } from '@aws-sdk/lib-dynamodb';
import type { ValidationProblem } from '../input/schemas.js';

/**
 * One document client per process. Endpoints come from the SDK's own resolution, so
 * AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL work unchanged (dynalite locally).
 *
 * Numbers are read with `readNumber`: the SDK's default throws on a number JavaScript cannot hold
 * (e.g. N `12345678901234567.5`), which would fail the whole Scan or Query for one hand-edited item
 * (contract v3 "Unreadable items are one bad item"). Such a number is read as a NumberValue instead
 * (written back unchanged if ever written), and `unreadableFields` reports it per item.
 */
export function createDocumentClient(client: DynamoDBClient = new DynamoDBClient({})): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
    unmarshallOptions: { wrapNumbers: readNumber },
  });
}

/** A DynamoDB number as a JavaScript number when it is exactly that number, else a NumberValue. */
export function readNumber(text: string): number | NumberValue {
  const value = Number(text);
  return Number.isFinite(value) && canonicalDecimal(text) === canonicalDecimal(String(value))
    ? value
    : NumberValue.from(text);
}

/** `<sign><digits>e<exponent>` with no leading or trailing zeros in the digits: equal for equal numbers. */
function canonicalDecimal(text: string): string | undefined {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text.trim());
  if (!match) return undefined;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  let digits = `${whole}${fraction}`.replace(/^0+/, '');
  let power = Number(exponent) - fraction.length;
  if (digits === '') return '0';
  const trailing = /0+$/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(0, digits.length - trailing);
  power += trailing;
  return `${sign === '-' ? '-' : ''}${digits}e${power}`;
}

/**
 * The attributes of an item (nested ones by path, e.g. `limits.max`, `ids[2]`) that hold a number
 * JavaScript cannot hold exactly: each is a problem that makes the item invalid.
 */
export function unreadableFields(item: Readonly<Record<string, unknown>>): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const visit = (value: unknown, path: string): void => {
    if (value instanceof NumberValue) {
      problems.push({
        field: path,
        problem: `is a number JavaScript cannot hold exactly (N ${value.value.slice(0, 48)}: too large or too precise)`,
      });
    } else if (value instanceof Set || Array.isArray(value)) {
      [...(value as Iterable<unknown>)].forEach((v, i) => visit(v, value instanceof Set ? path : `${path}[${i}]`));
    } else if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
      for (const [k, v] of Object.entries(value)) visit(v, `${path}.${k}`);
    }
  };
  for (const [name, value] of Object.entries(item)) visit(value, name);
  // One problem per field (a set of numbers may hold several).
  return problems.filter((p, i) => problems.findIndex((q) => q.field === p.field) === i);
}
