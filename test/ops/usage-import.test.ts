import { checkPeriod, parseGb, parseUsageCsv, periodsOf, planUsageImport } from '../../lib/imports/usage-import.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const NOW = new Date('2026-11-15T12:00:00Z');

describe('Function: parseGb', () => {
  it.each([
    ['10', 10],
    ['10.25', 10.25],
    [' 0 ', 0],
    ['.5', 0.5],
    ['1e3', 1000],
  ])('reads %p as %p', (raw, value) => {
    expect(parseGb(raw)).toEqual({ ok: true, value });
  });

  it.each([
    ['-5', 'must be ≥ 0 (got -5)'],
    ['lots', 'must be a number of GB (got "lots")'],
    ['12,5', 'must be a number of GB (got "12,5") (use . as the decimal separator)'],
    ['', 'must not be empty'],
    ['0x10', 'must be a number of GB (got "0x10")'],
  ])('refuses %p', (raw, problem) => {
    expect(parseGb(raw)).toEqual({ ok: false, problem });
  });
});

describe('Function: checkPeriod', () => {
  it('accepts a past or current month and refuses the rest', () => {
    expect(checkPeriod('2026-10', NOW)).toBeUndefined();
    expect(checkPeriod('2026-11', NOW)).toBeUndefined();
    expect(checkPeriod('2026-12', NOW)).toBe('is in the future (got 2026-12; the current month is 2026-11)');
    expect(checkPeriod('2026-13', NOW)).toMatch(/must be a month as YYYY-MM/);
    expect(checkPeriod('10/2026', NOW)).toMatch(/must be a month as YYYY-MM/);
    expect(checkPeriod('1999-12', NOW)).toBe('must not be before 2000 (got 1999-12)');
  });
});

describe('Function: parseUsageCsv', () => {
  it('reads rows of several months into usage items keyed <period>#<clientId>', () => {
    const parsed = parseUsageCsv(
      bytes('period,clientId,billableSpaceGb\n2026-10,c1,10.5\n2026-09,c1,9\n'),
      'acme',
      NOW,
    );
    expect(parsed).toEqual({
      ok: true,
      items: [
        {
          row: 2,
          item: { accountId: 'acme', usageKey: '2026-10#c1', period: '2026-10', clientId: 'c1', billableSpaceGb: 10.5 },
        },
        {
          row: 3,
          item: { accountId: 'acme', usageKey: '2026-09#c1', period: '2026-09', clientId: 'c1', billableSpaceGb: 9 },
        },
      ],
      hasNames: false,
    });
    expect(parsed.ok && periodsOf(parsed.items)).toEqual(['2026-09', '2026-10']);
  });

  it('reports negative and non-numeric GB, bad and future periods, and a client twice in a month', () => {
    const text =
      'clientId,period,billableSpaceGb\nc1,2026-10,-5\nc2,2026-13,3\nc3,2026-10,lots\nc4,2027-01,1\nc1,2026-10,7\nc1,2026-10,8\n';
    const parsed = parseUsageCsv(bytes(text), 'acme', NOW);
    expect(parsed.ok ? [] : parsed.problems.map((p) => `${p.row} ${p.field}`)).toEqual([
      '2 billableSpaceGb',
      '3 period',
      '4 billableSpaceGb',
      '5 period',
      '6 clientId',
      '7 clientId',
    ]);
    expect(parsed.ok ? undefined : parsed.problems.at(-1)?.problem).toBe(
      'client "c1" has usage for 2026-10 on row 2 too; each client may appear once per period',
    );
  });

  it('reads an optional clientName column; an empty cell means no name', () => {
    const parsed = parseUsageCsv(
      bytes('clientName,clientId,period,billableSpaceGb\n Smith & Sons Ltd ,c1,2026-10,10\n,c2,2026-10,2\n'),
      'acme',
      NOW,
    );
    expect(parsed.ok && parsed.hasNames).toBe(true);
    expect(parsed.ok && parsed.items.map((i) => i.item.clientName)).toEqual(['Smith & Sons Ltd', undefined]);
    expect(parsed.ok && 'clientName' in parsed.items[1]!.item).toBe(false);
  });

  it('refuses a file without the period column', () => {
    const parsed = parseUsageCsv(bytes('clientId,billableSpaceGb\nc1,10\n'), 'acme', NOW);
    expect(parsed.ok ? [] : parsed.problems).toEqual([
      { row: 1, field: 'period', problem: 'required column is missing (the header has: clientId, billableSpaceGb)' },
    ]);
  });
});

describe('Function: planUsageImport', () => {
  it('compares GB with what the table holds', () => {
    const item = (clientId: string, gb: number) => ({
      accountId: 'acme',
      usageKey: `2026-10#${clientId}`,
      period: '2026-10',
      clientId,
      billableSpaceGb: gb,
    });
    const plan = planUsageImport(
      [
        { row: 2, item: item('c1', 10) },
        { row: 3, item: item('c2', 21) },
        { row: 4, item: item('c3', 30) },
      ],
      { items: [item('c1', 10), item('c2', 20)], invalid: [] },
    );
    expect(plan.changes.map((c) => [c.key, c.action, c.changes])).toEqual([
      ['2026-10 c1', 'unchanged', []],
      ['2026-10 c2', 'changed', [{ field: 'billableSpaceGb', from: 20, to: 21 }]],
      ['2026-10 c3', 'new', []],
    ]);
  });

  it('reports a changed name, and keeps stored names when the file has no clientName column', () => {
    const named = (clientName?: string) => ({
      accountId: 'acme',
      usageKey: '2026-10#c1',
      period: '2026-10',
      clientId: 'c1',
      billableSpaceGb: 10,
      ...(clientName ? { clientName } : {}),
    });
    const stored = { items: [named('Contoso Ltd')], invalid: [] };
    const renamed = planUsageImport([{ row: 2, item: named('Contoso Limited') }], stored, true);
    expect(renamed.changes[0]?.changes).toEqual([{ field: 'clientName', from: 'Contoso Ltd', to: 'Contoso Limited' }]);
    const withoutColumn = planUsageImport([{ row: 2, item: named() }], stored, false);
    expect(withoutColumn.changes[0]).toMatchObject({ action: 'unchanged', item: { clientName: 'Contoso Ltd' } });
  });
});
