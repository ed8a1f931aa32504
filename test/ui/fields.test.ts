import { checkRow, isEdited, PAGE_FIELDS, type RowInput } from '../../lib/ui/fields.js';
import { normalForm } from '../../lib/onboarding/normal-form.js';

const row = (over: Partial<RowInput>): RowInput => ({
  clientId: 'bc-1',
  enabled: true,
  managedId: 'M-1',
  wasEnabled: true,
  wasManagedId: 'M-1',
  ...over,
});

describe('the page fields', () => {
  it('name each control as the contract says', () => {
    expect(PAGE_FIELDS.enabled.label('bc-1')).toBe('Publish bc-1');
    expect(PAGE_FIELDS.managedId.label('bc-1')).toBe('Managed ID for bc-1');
  });

  it('count a row as edited only when its values changed (outer white space is not a change)', () => {
    expect(isEdited(row({}))).toBe(false);
    expect(isEdited(row({ managedId: ' M-1 ' }))).toBe(false);
    expect(isEdited(row({ enabled: false }))).toBe(true);
    expect(isEdited(row({ managedId: 'M-2' }))).toBe(true);
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
      mapping: { accountId: 'acme', clientId: 'bc-1', managedId: 'M-2', clientName: 'Stored', enabled: true },
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
