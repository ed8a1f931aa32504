import { itemsToWrite } from '../../lib/imports/import-plan.js';
import { parseMappingsCsv, planMappingsImport, type MappingRow } from '../../lib/imports/mappings-import.js';
import type { Mapping } from '../../lib/publisher/ports/index.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('Function: parseMappingsCsv', () => {
  it('reads required and optional columns; empty cells mean "no name" and "enabled"', () => {
    // Act
    const parsed = parseMappingsCsv(
      bytes('clientId,managedId,clientName,enabled\nc1,M-1,One,TRUE\nc2,M-2,,\nc3,M-3,Three,false\n'),
      'acme',
    );
    // Assess
    expect(parsed).toEqual({
      ok: true,
      rows: [
        { row: 2, clientId: 'c1', managedId: 'M-1', clientName: 'One', enabled: true, includedGb: null },
        { row: 3, clientId: 'c2', managedId: 'M-2', clientName: undefined, enabled: undefined, includedGb: null },
        { row: 4, clientId: 'c3', managedId: 'M-3', clientName: 'Three', enabled: false, includedGb: null },
      ],
    });
  });

  it('marks columns the file does not have as null (keep the current value)', () => {
    const parsed = parseMappingsCsv(bytes('managedId,clientId\nM-1,c1\n'), 'acme');
    expect(parsed.ok && parsed.rows[0]).toEqual({
      row: 2,
      clientId: 'c1',
      managedId: 'M-1',
      clientName: null,
      enabled: null,
      includedGb: null,
    });
  });

  it('reports every bad row with its row number and field', () => {
    const long = 'x'.repeat(101);
    const parsed = parseMappingsCsv(
      bytes(`clientId,managedId,enabled\nc1,M-1,yes\n,M-2,true\nc3,,false\nc4,${long},\n`),
      'acme',
    );
    expect(parsed).toEqual({
      ok: false,
      problems: [
        { row: 2, field: 'enabled', problem: 'must be true or false (got "yes")' },
        { row: 3, field: 'clientId', problem: 'must not be empty' },
        { row: 4, field: 'managedId', problem: 'must not be empty' },
        { row: 5, field: 'managedId', problem: 'must be at most 100 characters' },
      ],
    });
  });

  it('names both rows of a duplicated client ID', () => {
    const parsed = parseMappingsCsv(bytes('clientId,managedId\nc1,M-1\nc2,M-2\nc1,M-9\n'), 'acme');
    expect(parsed).toEqual({
      ok: false,
      problems: [{ row: 4, field: 'clientId', problem: 'client "c1" is also on row 2; each client may appear once' }],
    });
  });

  it('reports a client ID starting with # once, with the value', () => {
    const parsed = parseMappingsCsv(bytes('clientId,managedId\n#c1,M-1\n'), 'acme');
    expect(parsed).toEqual({
      ok: false,
      problems: [{ row: 2, field: 'clientId', problem: 'must not start with # (got "#c1")' }],
    });
  });
});

describe('Function: planMappingsImport', () => {
  const existing: Mapping[] = [
    { accountId: 'acme', clientId: 'c1', managedId: 'M-1', clientName: 'One', enabled: true },
    { accountId: 'acme', clientId: 'c2', managedId: 'M-2', clientName: 'Two', enabled: false },
  ];
  const row = (r: Partial<MappingRow> & { clientId: string; managedId: string }): MappingRow => ({
    row: 2,
    clientName: null,
    enabled: null,
    includedGb: null,
    ...r,
  });

  it('sorts rows into new, changed (with the fields) and unchanged', () => {
    // Act
    const plan = planMappingsImport(
      'acme',
      [
        row({ row: 2, clientId: 'c1', managedId: 'M-1' }),
        row({ row: 3, clientId: 'c2', managedId: 'M-22' }),
        row({ row: 4, clientId: 'c3', managedId: 'M-3' }),
      ],
      { items: existing, invalid: [] },
    );
    // Assess
    expect(plan.counts).toEqual({ new: 1, changed: 1, unchanged: 1 });
    expect(plan.changes.map((c) => [c.key, c.action, c.changes])).toEqual([
      ['c1', 'unchanged', []],
      ['c2', 'changed', [{ field: 'managedId', from: 'M-2', to: 'M-22' }]],
      ['c3', 'new', []],
    ]);
  });

  it('keeps the name and the enabled flag when the file has no such column, and a new mapping is enabled', () => {
    const plan = planMappingsImport(
      'acme',
      [row({ clientId: 'c2', managedId: 'M-2' }), row({ clientId: 'c9', managedId: 'M-9' })],
      {
        items: existing,
        invalid: [],
      },
    );
    expect(itemsToWrite(plan)).toEqual([
      { accountId: 'acme', clientId: 'c9', managedId: 'M-9', clientName: undefined, enabled: true, includedGb: 0 },
    ]);
    expect(plan.changes[0]).toMatchObject({ action: 'unchanged', item: { clientName: 'Two', enabled: false } });
  });

  it('applies the columns the file has: an empty name clears it, an empty enabled cell enables', () => {
    const plan = planMappingsImport(
      'acme',
      [row({ clientId: 'c2', managedId: 'M-2', clientName: undefined, enabled: undefined })],
      {
        items: existing,
        invalid: [],
      },
    );
    expect(plan.changes[0]?.changes).toEqual([
      { field: 'clientName', from: 'Two', to: undefined },
      { field: 'enabled', from: false, to: true },
    ]);
  });

  it('replaces an invalid item with the same key, saying what was wrong with it', () => {
    const plan = planMappingsImport('acme', [row({ clientId: 'c5', managedId: 'M-5' })], {
      items: [],
      invalid: [
        { key: { accountId: 'acme', clientId: 'c5' }, problems: [{ field: 'managedId', problem: 'is missing' }] },
      ],
    });
    expect(plan.changes[0]).toMatchObject({ action: 'changed', replacesInvalid: 'managedId is missing' });
  });
});
