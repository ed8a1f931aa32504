import { NumberValue } from '@aws-sdk/lib-dynamodb';
import { readNumber, unreadableFields } from '../../lib/aws/dynamo-client.js';

describe('readNumber: DynamoDB numbers JavaScript can and cannot hold', () => {
  it.each([['0'], ['-0'], ['7'], ['12.5'], ['0.1'], ['1e-7'], ['1E+20'], ['9007199254740991'], ['600.000'], ['-3.25']])(
    'reads %s as a plain number',
    (text) => {
      const value = readNumber(text);
      expect(typeof value).toBe('number');
      expect(value).toBe(Number(text));
    },
  );

  it.each([
    ['12345678901234567.5'],
    ['12345678901234567'],
    ['9007199254740993'],
    ['600.000000000000000000001'],
    ['0.1000000000000000000000000000000000001'],
    ['-98765432109876543210'],
  ])('keeps %s exactly, as a NumberValue, instead of throwing or rounding', (text) => {
    const value = readNumber(text);
    expect(value).toBeInstanceOf(NumberValue);
    expect((value as NumberValue).value).toBe(text);
  });
});

describe('unreadableFields', () => {
  it('names every attribute, nested ones by path, that holds an unreadable number', () => {
    const item = {
      accountId: 'a',
      ok: 5,
      big: NumberValue.from('12345678901234567.5'),
      limits: { max: NumberValue.from('1.00000000000000000001'), min: 1 },
      ids: [1, NumberValue.from('90071992547409931')],
      set: new Set([NumberValue.from('90071992547409931'), NumberValue.from('90071992547409933')]),
    };
    expect(unreadableFields(item).map((p) => p.field)).toEqual(['big', 'limits.max', 'ids[1]', 'set']);
    expect(unreadableFields(item)[0]!.problem).toMatch(/cannot hold exactly \(N 12345678901234567\.5/);
  });

  it('finds nothing in an item of plain values', () => {
    expect(unreadableFields({ a: 'x', b: 1, c: [1, 2], d: { e: true }, f: new Uint8Array([1]) })).toEqual([]);
  });
});
