import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalAws, TABLES, type LocalAws } from '../support/local-aws.js';
import { clearTables, closeDb, cwpub, putItem, scanTable } from './run-cwpub.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'ops');
const fixture = (name: string) => path.join(FIXTURES, name);

let aws: LocalAws;

beforeAll(async () => {
  aws = await startLocalAws();
  aws.apply();
});

afterAll(async () => {
  closeDb();
  await aws.close();
});

beforeEach(async () => {
  await clearTables(aws);
  await putItem(aws, TABLES.ACCOUNTS_TABLE, {
    accountId: 'acme',
    secretId: 'cw/acme',
    managementItName: 'Backup Cloud',
  });
  await putItem(aws, TABLES.MAPPINGS_TABLE, { accountId: 'acme', clientId: 'c1', managedId: 'M-1', enabled: true });
});

async function usage(): Promise<Record<string, unknown>[]> {
  return (await scanTable(aws, TABLES.USAGE_TABLE)).sort((a, b) =>
    String(a.usageKey).localeCompare(String(b.usageKey)),
  );
}

describe('Command: cwpub usage import', () => {
  it('imports usage keyed <period>#<clientId>, then finds nothing to do the second time', async () => {
    // Act
    const first = await cwpub(aws.env, ['usage', 'import', fixture('usage-valid.csv')]);
    const second = await cwpub(aws.env, ['usage', 'import', fixture('usage-valid.csv'), '--json']);
    // Assess
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/3 row\(s\) for 2026-09, 2026-10: 3 new, 0 changed, 0 unchanged/);
    expect(first.stdout).toMatch(
      /Note: 1 client\(s\) have no mapping in account acme \(the publisher ignores their usage\): c2/,
    );
    expect(second.json()).toMatchObject({
      ok: true,
      rows: 3,
      periods: ['2026-09', '2026-10'],
      new: 0,
      changed: 0,
      unchanged: 3,
      written: 0,
      unmapped: ['c2'],
    });
    expect(await usage()).toEqual([
      { accountId: 'acme', usageKey: '2026-09#c1', period: '2026-09', clientId: 'c1', billableSpaceGb: 9 },
      { accountId: 'acme', usageKey: '2026-10#c1', period: '2026-10', clientId: 'c1', billableSpaceGb: 10.5 },
      { accountId: 'acme', usageKey: '2026-10#c2', period: '2026-10', clientId: 'c2', billableSpaceGb: 20.5 },
    ]);
  });

  it('shows the GB changes of a dry run and writes nothing', async () => {
    await putItem(aws, TABLES.USAGE_TABLE, {
      accountId: 'acme',
      usageKey: '2026-10#c1',
      period: '2026-10',
      clientId: 'c1',
      billableSpaceGb: 8,
    });
    const run = await cwpub(aws.env, ['usage', 'import', fixture('usage-valid.csv'), '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/2 new, 1 changed, 0 unchanged/);
    expect(run.stdout).toMatch(/^\s*\d+ {2}2026-10 c1 {2}changed {2}billableSpaceGb: 8 → 10.5$/m);
    expect(run.stdout).not.toMatch(/[│┌─]/);
    expect(await usage()).toHaveLength(1);
  });

  it('refuses a file with bad rows, naming each row and column, and writes nothing', async () => {
    const run = await cwpub(aws.env, ['usage', 'import', fixture('usage-bad.csv')]);
    expect(run.code).toBe(2);
    expect(
      run.stderr
        .split('\n')
        .slice(1, -1)
        .map((l) => l.replace(`  ${fixture('usage-bad.csv')}: `, '')),
    ).toEqual([
      'row 2, column billableSpaceGb: must be ≥ 0 (got -5)',
      'row 3, column period: must be a month as YYYY-MM, e.g. 2026-10 (got "2026-13")',
      'row 4, column billableSpaceGb: must be a number of GB (got "lots")',
      'row 5, column period: is in the future (got 2027-01; the current month is 2026-11)',
      'row 6, column billableSpaceGb: must be a number of GB (got "12,5") (use . as the decimal separator)',
      'row 7, column clientId: client "c1" has usage for 2026-10 on row 2 too; each client may appear once per period',
    ]);
    expect(await usage()).toEqual([]);
  });

  it('refuses a file without the period column', async () => {
    const run = await cwpub(aws.env, ['usage', 'import', fixture('usage-missing-column.csv')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /row 1, column period: required column is missing \(the header has: clientId, billableSpaceGb\)/,
    );
  });

  it('refuses an empty file and a UTF-16 file', async () => {
    const empty = await cwpub(aws.env, ['usage', 'import', fixture('mappings-empty.csv')]);
    const utf16 = await cwpub(aws.env, ['usage', 'import', fixture('mappings-utf16.csv')]);
    expect(empty.code).toBe(2);
    expect(utf16.code).toBe(2);
    expect(utf16.stderr).toMatch(/UTF-16/);
  });
});

describe('Command: cwpub usage list', () => {
  beforeEach(async () => {
    await putItem(aws, TABLES.USAGE_TABLE, {
      accountId: 'acme',
      usageKey: '2026-10#c1',
      period: '2026-10',
      clientId: 'c1',
      billableSpaceGb: 10.5,
    });
    await putItem(aws, TABLES.USAGE_TABLE, {
      accountId: 'acme',
      usageKey: '2026-10#c2',
      period: '2026-10',
      clientId: 'c2',
      billableSpaceGb: 2,
    });
    await putItem(aws, TABLES.USAGE_TABLE, {
      accountId: 'acme',
      usageKey: '2026-09#c1',
      period: '2026-09',
      clientId: 'c1',
      billableSpaceGb: 9,
    });
  });

  it('lists one month with each client’s mapping, counting only mapped and enabled clients as billable', async () => {
    await putItem(aws, TABLES.MAPPINGS_TABLE, { accountId: 'acme', clientId: 'c4', managedId: 'M-4', enabled: false });
    await putItem(aws, TABLES.USAGE_TABLE, {
      accountId: 'acme',
      usageKey: '2026-10#c4',
      period: '2026-10',
      clientId: 'c4',
      billableSpaceGb: 4,
    });
    const table = await cwpub(aws.env, ['usage', 'list', '--period', '2026-10']);
    const json = await cwpub(aws.env, ['usage', 'list', '--period', '2026-10', '--json']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')).toEqual([
      'Account acme, 2026-10: 1 billable client(s), 10.5 GB; not billed: 1 without a mapping (2 GB), 1 with a disabled mapping (4 GB)',
      'CLIENT    GB  MANAGED ID  MAPPING',
      'c1      10.5  M-1         enabled',
      'c2         2              none (not billed)',
      'c4         4  M-4         disabled (not billed)',
      '',
    ]);
    expect(json.json()).toEqual({
      accountId: 'acme',
      period: '2026-10',
      usage: [
        { clientId: 'c1', period: '2026-10', billableSpaceGb: 10.5, managedId: 'M-1', mapping: 'enabled' },
        { clientId: 'c2', period: '2026-10', billableSpaceGb: 2, mapping: 'none' },
        { clientId: 'c4', period: '2026-10', billableSpaceGb: 4, managedId: 'M-4', mapping: 'disabled' },
      ],
      totalGb: 16.5,
      billableGb: 10.5,
      unmappedGb: 2,
      disabledGb: 4,
      invalid: [],
    });
  });

  it("shows the metering's client names (the mapping's when the usage item has none)", async () => {
    await putItem(aws, TABLES.MAPPINGS_TABLE, {
      accountId: 'acme',
      clientId: 'c1',
      managedId: 'M-1',
      clientName: 'Contoso Ltd',
      enabled: true,
    });
    await putItem(aws, TABLES.USAGE_TABLE, {
      accountId: 'acme',
      usageKey: '2026-10#c2',
      period: '2026-10',
      clientId: 'c2',
      billableSpaceGb: 2,
      clientName: 'Smith & Sons',
    });
    const table = await cwpub(aws.env, ['usage', 'list', '--period', '2026-10']);
    const json = await cwpub(aws.env, ['usage', 'list', '--period', '2026-10', '--json']);
    expect(table.stdout.split('\n').slice(1, 4)).toEqual([
      'CLIENT  NAME            GB  MANAGED ID  MAPPING',
      'c1      Contoso Ltd   10.5  M-1         enabled',
      'c2      Smith & Sons     2              none (not billed)',
    ]);
    expect((json.json() as { usage: { clientName?: string }[] }).usage.map((u) => u.clientName)).toEqual([
      'Contoso Ltd',
      'Smith & Sons',
    ]);
  });

  it('imports the optional clientName column', async () => {
    const file = path.join(FIXTURES, 'usage-names.csv');
    const run = await cwpub(aws.env, ['usage', 'import', file]);
    expect(run.code).toBe(0);
    expect((await usage()).find((u) => u.usageKey === '2026-10#c9')).toMatchObject({ clientName: 'Fabrikam, Inc.' });
  });

  it('lists invalid usage items and exits 1', async () => {
    await putItem(aws, TABLES.USAGE_TABLE, {
      accountId: 'acme',
      usageKey: '2026-10#c3',
      period: '2026-10',
      clientId: 'c3',
      billableSpaceGb: -1,
    });
    const run = await cwpub(aws.env, ['usage', 'list', '--period', '2026-10']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^2026-10#c3 {2}billableSpaceGb must be ≥ 0$/m);
  });

  it.each([
    [['usage', 'list', '--period', '2026-13'], /--period must be a month as YYYY-MM/],
    [['usage', 'list', '--period', '2027-01'], /--period 2027-01 is in the future/],
  ])('refuses %p with exit status 2', async (argv, message) => {
    const run = await cwpub(aws.env, argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('defaults --period to last month, like publish', async () => {
    await putItem(aws, TABLES.USAGE_TABLE, {
      accountId: 'acme',
      usageKey: '2026-10#c9',
      period: '2026-10',
      clientId: 'c9',
      billableSpaceGb: 1,
    });
    const run = await cwpub(aws.env, ['usage', 'list', '--json']);
    expect(run.json()).toMatchObject({ period: '2026-10' }); // NOW is 2026-11-15
  });
});
