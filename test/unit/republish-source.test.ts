import { InputValidationError } from '../../lib/errors.js';
import { parsePublishInput } from '../../lib/input/publish-input.js';

describe('Republish Requested: who may trigger a run (contract v3)', () => {
  const event = (source: unknown) => ({
    version: '0',
    'detail-type': 'Republish Requested',
    ...(source === undefined ? {} : { source }),
    detail: { accountId: 'acct-1', period: '2026-01' },
  });

  it('accepts the event from source connectwise-usage-publisher.ops', () => {
    expect(parsePublishInput(event('connectwise-usage-publisher.ops'))).toMatchObject({
      accountId: 'acct-1',
      period: '2026-01',
    });
  });

  it.each([['ops'], ['connectwise-usage-publisher'], ['aws.events'], [undefined], [42]])(
    'refuses it from source %p, naming the field source',
    (source) => {
      expect(() => parsePublishInput(event(source))).toThrow(InputValidationError);
      expect(() => parsePublishInput(event(source))).toThrow(
        /Republish Requested event must come from source connectwise-usage-publisher\.ops/,
      );
      expect(() => parsePublishInput(event(source))).toThrow(expect.objectContaining({ field: 'source' }));
    },
  );
});
