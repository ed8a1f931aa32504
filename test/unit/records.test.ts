import { REPUBLISH_SOURCE } from '../../lib/contract.js';
import { parsePublishInput } from '../../lib/input/publish-input.js';
import { parseLambdaTask } from '../../lib/input/lambda-tasks.js';
import { fromItem, mergeRecord, toItem, sameRecord } from '../../lib/records/field.js';
import { MAPPING_FIELDS, mappingItemSchema } from '../../lib/records/mapping.js';
import { carriedOptions, cliSwitches, RUN_OPTIONS } from '../../lib/records/run-options.js';

describe('Module: records/mapping', () => {
  it('applies the defaults of absent attributes (enabled, no allowance)', () => {
    expect(fromItem(MAPPING_FIELDS, mappingItemSchema, { accountId: 'a', clientId: 'c', managedId: 'M' })).toEqual({
      accountId: 'a',
      clientId: 'c',
      managedId: 'M',
      enabled: true,
      includedGb: 0,
    });
  });

  it.each([
    [-1, 'includedGb must be ≥ 0'],
    ['50', 'includedGb must be a number (got a string)'],
    [Number.NaN, 'includedGb must be a number'],
  ])('reports a hand-edited includedGb of %p by the item key and the field', (includedGb, problem) => {
    const item = { accountId: 'a', clientId: 'c', managedId: 'M', includedGb };
    const bad = fromItem(MAPPING_FIELDS, mappingItemSchema, item, ['managedId']);
    expect(bad).toMatchObject({ key: { accountId: 'a', clientId: 'c', managedId: 'M' } });
    expect('problems' in bad && bad.problems.map((p) => `${p.field} ${p.problem}`).join('; ')).toContain(problem);
  });

  it('stores no includedGb when it is 0, so items written before the allowance stay as they were', () => {
    const record = { accountId: 'a', clientId: 'c', managedId: 'M', enabled: true, includedGb: 0 };
    expect(toItem(MAPPING_FIELDS, record)).toEqual({ accountId: 'a', clientId: 'c', managedId: 'M', enabled: true });
    expect(toItem(MAPPING_FIELDS, { ...record, includedGb: 50 })).toMatchObject({ includedGb: 50 });
  });

  it('merges an edit over the stored mapping: null clears, absent keeps, problems name the field', () => {
    const key = { accountId: 'a', clientId: 'c' };
    const before = { ...key, managedId: 'M', clientName: 'Old', enabled: false, includedGb: 5 };
    expect(mergeRecord(MAPPING_FIELDS, mappingItemSchema, key, { clientName: null, includedGb: 7 }, before)).toEqual({
      ok: true,
      value: { ...key, managedId: 'M', enabled: false, includedGb: 7 },
    });
    expect(mergeRecord(MAPPING_FIELDS, mappingItemSchema, key, { includedGb: -1 }, undefined)).toEqual({
      ok: false,
      problems: [
        { field: 'managedId', problem: 'is missing' },
        { field: 'includedGb', problem: 'must be ≥ 0' },
      ],
    });
  });

  it('tells an allowance change apart when comparing mappings', () => {
    const a = { accountId: 'a', clientId: 'c', managedId: 'M', enabled: true, includedGb: 0 };
    expect(sameRecord(MAPPING_FIELDS, a, { ...a })).toBe(true);
    expect(sameRecord(MAPPING_FIELDS, a, { ...a, includedGb: 10 })).toBe(false);
  });
});

describe('Module: records/run-options', () => {
  it('refuses a Republish Requested event that would lift a guard, naming the field', () => {
    for (const field of ['allowMassRetire', 'allowOlderPeriod', 'allowOpenPeriod']) {
      expect(() =>
        parsePublishInput({
          source: REPUBLISH_SOURCE,
          'detail-type': 'Republish Requested',
          detail: { accountId: 'a', [field]: true },
        }),
      ).toThrow(expect.objectContaining({ name: 'InputValidationError', field }));
    }
  });

  it('accepts the guards from a direct invocation (an operator with invoke rights)', () => {
    expect(parsePublishInput({ accountId: 'a', allowMassRetire: true, allowOlderPeriod: true })).toMatchObject({
      allowMassRetire: true,
      allowOlderPeriod: true,
    });
  });

  it.each(['ownedActiveAtStart', 'invocation', 'runId', 'lock'])(
    'refuses %s from an event or an invocation payload: the product computes it',
    (field) => {
      for (const input of [
        { accountId: 'a', [field]: 3 },
        { source: REPUBLISH_SOURCE, 'detail-type': 'Republish Requested', detail: { accountId: 'a', [field]: 3 } },
        {
          task: 'plan',
          input: { source: REPUBLISH_SOURCE, 'detail-type': 'Republish Requested', detail: { [field]: 3 } },
        },
      ]) {
        expect(() => parseLambdaTask(input)).toThrow(
          expect.objectContaining({
            name: 'InputValidationError',
            field,
            message: expect.stringContaining('computed'),
          }),
        );
      }
    },
  );

  it('carries the options each invocation needs, with their defaults, and de-duplicates clients', () => {
    expect(parsePublishInput({ clientIds: ['x', 'x', 'y'] })).toEqual({ clientIds: ['x', 'y'] });
    expect(carriedOptions({ clientIds: ['x'], allowOpenPeriod: true })).toEqual({
      clientIds: ['x'],
      dryRun: false,
      allowMassRetire: false,
      allowOlderPeriod: false,
      rescan: false,
    });
  });

  it('gives cwpub publish one switch per option the CLI may set', () => {
    expect(cliSwitches().map((s) => s.flag)).toEqual([
      '--dry-run',
      '--allow-mass-retire',
      '--allow-older-period',
      '--allow-open-period',
      '--rescan',
    ]);
    expect(RUN_OPTIONS.allowMassRetire.from).not.toContain('event');
  });
});
