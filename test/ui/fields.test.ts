import { checkRow, isEdited, PAGE_FIELDS, type RowInput } from '../../lib/ui/fields.js';
import { MAPPING_FIELDS } from '../../lib/records/mapping.js';
import { normalForm } from '../../lib/onboarding/normal-form.js';

const row = (over: Partial<RowInput>): RowInput => ({
  clientId: 'bc-1',
  enabled: true,
  managedId: 'M-1',
  includedGb: '',
  wasEnabled: true,
  wasManagedId: 'M-1',
  wasIncludedGb: '',
  ...over,
});

describe('the page fields', () => {
  it('name each control as the contract says', () => {
    expect(PAGE_FIELDS.enabled.label('bc-1')).toBe('Publish bc-1');
    expect(PAGE_FIELDS.managedId.label('bc-1')).toBe('Managed ID for bc-1');
    expect(PAGE_FIELDS.includedGb.label('bc-1')).toBe('Included GB for bc-1');
  });

  it("take their column headings from the mapping descriptor's labels", () => {
    for (const key of ['enabled', 'managedId', 'includedGb'] as const)
      expect(PAGE_FIELDS[key].column).toBe(MAPPING_FIELDS[key].label);
  });

  it('count a row as edited only when its values changed (outer white space is not a change)', () => {
    expect(isEdited(row({}))).toBe(false);
    expect(isEdited(row({ managedId: ' M-1 ' }))).toBe(false);
    expect(isEdited(row({ enabled: false }))).toBe(true);
    expect(isEdited(row({ managedId: 'M-2' }))).toBe(true);
    expect(isEdited(row({ includedGb: ' ' }))).toBe(false);
    expect(isEdited(row({ includedGb: '50' }))).toBe(true);
  });

  it('trim the Managed ID and keep the stored name', () => {
    const checked = checkRow(
      'acme',
      row({ managedId: '  M-2 ' }),
      { accountId: 'acme', clientId: 'bc-1', managedId: 'M-1', clientName: 'Stored', enabled: true },
      'From usage',
    );
    expect(checked).toEqual({
      ok: true,
      mapping: {
        accountId: 'acme',
        clientId: 'bc-1',
        managedId: 'M-2',
        clientName: 'Stored',
        enabled: true,
        includedGb: 0,
      },
    });
  });

  it('keep what the stored mapping holds and the row does not change, and give a new client its usage name', () => {
    const stored = { accountId: 'acme', clientId: 'bc-1', managedId: 'M-1', enabled: true, includedGb: 50 };
    expect(checkRow('acme', row({ enabled: false, includedGb: '50' }), stored, 'From usage')).toEqual({
      ok: true,
      mapping: { ...stored, enabled: false },
    });
    expect(checkRow('acme', row({ includedGb: '' }), stored, undefined)).toMatchObject({
      ok: true,
      mapping: { includedGb: 0 },
    });
    expect(checkRow('acme', row({ includedGb: ' 12.5 ' }), undefined, 'From usage')).toMatchObject({
      ok: true,
      mapping: { clientName: 'From usage', includedGb: 12.5 },
    });
  });

  it("refuse a negative or non-numeric Included GB with the descriptor's message, naming the field", () => {
    expect(checkRow('acme', row({ includedGb: '-5' }), undefined, undefined)).toEqual({
      ok: false,
      field: 'includedGb',
      message: 'Included GB must be ≥ 0 (got -5)',
    });
    expect(checkRow('acme', row({ includedGb: '12,5' }), undefined, undefined)).toMatchObject({
      ok: false,
      field: 'includedGb',
      message: expect.stringMatching(
        /^Included GB must be a number of GB .*use \. as the decimal separator/,
      ) as unknown,
    });
  });

  it('refuse an empty Managed ID on a ticked row and an over-long one, naming the Managed ID', () => {
    expect(checkRow('acme', row({ managedId: '   ' }), undefined, undefined)).toMatchObject({
      ok: false,
      field: 'managedId',
      message: expect.stringMatching(/Managed ID must not be empty when Publish is ticked/) as unknown,
    });
    expect(checkRow('acme', row({ managedId: 'x'.repeat(101) }), undefined, undefined)).toMatchObject({
      ok: false,
      field: 'managedId',
      message: 'Managed ID must be at most 100 characters',
    });
    expect(checkRow('acme', row({ managedId: 'x'.repeat(100) }), undefined, undefined).ok).toBe(true);
  });
});

describe('normalForm', () => {
  it.each([
    ['Litware, Inc.', 'litware'],
    ['The Coho Winery Co. Ltd', 'coho winery'],
    ['Smith & Sons GmbH', 'smith and sons'],
    ['Café Münster AG', 'cafe munster'],
    ['Company', ''],
    ['  ', ''],
  ])('%s → "%s"', (name, form) => {
    expect(normalForm(name)).toBe(form);
  });
});
