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
});

async function addAccount(accountId = 'acme'): Promise<void> {
  await putItem(aws, TABLES.ACCOUNTS_TABLE, {
    accountId,
    secretId: `cw/${accountId}`,
    managementItName: 'Backup Cloud',
  });
}

async function mappings(): Promise<Record<string, unknown>[]> {
  const items = await scanTable(aws, TABLES.MAPPINGS_TABLE);
  return items.sort((a, b) => String(a.clientId).localeCompare(String(b.clientId)));
}

describe('Command: cwpub accounts', () => {
  it('puts, lists, disables and enables an account', async () => {
    // Act
    const put = await cwpub(aws.env, [
      'accounts',
      'put',
      '--account',
      'acme',
      '--secret-id',
      'cw/acme',
      '--management-it-name',
      'Backup Cloud',
    ]);
    const again = await cwpub(aws.env, ['accounts', 'put', '--account', 'acme', '--json']);
    const refused = await cwpub(aws.env, ['accounts', 'disable', '--account', 'acme']);
    const disabled = await cwpub(aws.env, ['accounts', 'disable', '--account', 'acme', '--yes']);
    const list = await cwpub(aws.env, ['accounts', 'list', '--json']);
    const enabled = await cwpub(aws.env, ['accounts', 'enable', '--account', 'acme']);
    const table = await cwpub(aws.env, ['accounts', 'list']);
    // Assess
    expect(put).toMatchObject({ code: 0 });
    expect(put.stdout).toMatch(/Account acme created\./);
    expect(again.json()).toMatchObject({
      action: 'unchanged',
      account: { accountId: 'acme', secretId: 'cw/acme', configurationTypeName: 'Backup Stats' },
    });
    // Not a terminal and no --yes: nothing is disabled, and the message says how to go ahead.
    expect(refused).toMatchObject({
      code: 2,
      stderr:
        'cwpub: refusing to disable account acme: there is no terminal to confirm on; re-run with --yes to go ahead\n',
    });
    expect(disabled).toMatchObject({ code: 0, stdout: 'Account acme disabled.\n' });
    expect(list.json()).toEqual({
      accounts: [
        {
          accountId: 'acme',
          secretId: 'cw/acme',
          managementItName: 'Backup Cloud',
          enabled: false,
          configurationTypeName: 'Backup Stats',
          maxBillableSpaceGb: 1_000_000,
          requestsPerMinute: 600,
        },
      ],
      invalid: [],
    });
    expect(enabled.code).toBe(0);
    expect(table.stdout.split('\n').slice(1, 3)).toEqual([
      'ACCOUNT  ENABLED  SECRET   MANAGEMENT IT  CONFIGURATION TYPE   MAX GB  REQ/MIN',
      'acme     yes      cw/acme  Backup Cloud   Backup Stats        1000000      600',
    ]);
  });

  it('refuses a new account without its required options, naming the flags', async () => {
    const run = await cwpub(aws.env, ['accounts', 'put', '--account', 'acme']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('cwpub: account acme: --secret-id is missing; --management-it-name is missing\n');
    expect(await scanTable(aws, TABLES.ACCOUNTS_TABLE)).toEqual([]);
  });

  it('refuses a Management IT name ConnectWise cannot hold', async () => {
    const run = await cwpub(aws.env, [
      'accounts',
      'put',
      '--account',
      'acme',
      '--secret-id',
      's',
      '--management-it-name',
      `x${'y'.repeat(30)}`,
    ]);
    expect(run).toMatchObject({
      code: 2,
      stderr: 'cwpub: account acme: --management-it-name must be at most 30 characters\n',
    });
  });

  it('answers an unknown account with exit status 2', async () => {
    const run = await cwpub(aws.env, ['accounts', 'disable', '--account', 'nope']);
    expect(run).toMatchObject({ code: 2, stderr: 'cwpub: account "nope" not found in the accounts table\n' });
  });

  it('lists invalid account items and exits 1', async () => {
    await putItem(aws, TABLES.ACCOUNTS_TABLE, { accountId: 'broken', secretId: 's' });
    const run = await cwpub(aws.env, ['accounts', 'list']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^broken {3}managementItName is missing$/m);
  });
});

describe('Command: cwpub mappings put|list|disable|enable|remove', () => {
  it('edits one mapping at a time, keeping what is not given', async () => {
    // Prepare
    await addAccount();
    // Act
    const put = await cwpub(aws.env, [
      'mappings',
      'put',
      '--client',
      'c1',
      '--managed-id',
      'M-1',
      '--client-name',
      'Client One',
    ]);
    const update = await cwpub(aws.env, ['mappings', 'put', '--client', 'c1', '--managed-id', 'M-11', '--json']);
    const disable = await cwpub(aws.env, ['mappings', 'disable', '--client', 'c1']);
    const list = await cwpub(aws.env, ['mappings', 'list', '--json']);
    const enable = await cwpub(aws.env, ['mappings', 'enable', '--client', 'c1', '--account', 'acme']);
    const table = await cwpub(aws.env, ['mappings', 'list']);
    const refused = await cwpub(aws.env, ['mappings', 'remove', '--client', 'c1']);
    const remove = await cwpub(aws.env, ['mappings', 'remove', '--client', 'c1', '--yes']);
    const removeAgain = await cwpub(aws.env, ['mappings', 'remove', '--client', 'c1', '--yes']);
    // Assess
    expect(put).toMatchObject({ code: 0, stdout: 'Mapping c1 → M-1 created in account acme.\n' });
    expect(update.json()).toEqual({
      action: 'updated',
      mapping: {
        accountId: 'acme',
        clientId: 'c1',
        managedId: 'M-11',
        clientName: 'Client One',
        enabled: true,
        includedGb: 0,
      },
    });
    expect(disable.code).toBe(0);
    expect(list.json()).toEqual({
      accountId: 'acme',
      mappings: [
        {
          accountId: 'acme',
          clientId: 'c1',
          managedId: 'M-11',
          clientName: 'Client One',
          enabled: false,
          includedGb: 0,
        },
      ],
      invalid: [],
    });
    expect(enable.code).toBe(0);
    expect(table.stdout).toBe(
      'Account acme: 1 mapping(s), 1 enabled\n' +
        // No INCLUDED GB column: no client of the account is on a plan.
        'CLIENT  MANAGED ID  NAME        ENABLED\n' +
        'c1      M-11        Client One  yes\n',
    );
    expect(refused).toMatchObject({
      code: 2,
      stderr:
        'cwpub: refusing to remove mapping c1: there is no terminal to confirm on; re-run with --yes to go ahead\n',
    });
    expect(remove).toMatchObject({ code: 0, stdout: 'Mapping c1 removed from account acme.\n' });
    expect(removeAgain).toMatchObject({ code: 2, stderr: 'cwpub: no mapping for client "c1" in account acme\n' });
  });

  it('refuses a bad Managed ID, naming the flag', async () => {
    await addAccount();
    const run = await cwpub(aws.env, ['mappings', 'put', '--client', 'c1', '--managed-id', 'x'.repeat(101)]);
    expect(run).toMatchObject({ code: 2, stderr: 'cwpub: mapping c1: --managed-id must be at most 100 characters\n' });
  });

  it('needs --account when there are several accounts, and lists them', async () => {
    await addAccount('acme');
    await addAccount('globex');
    const run = await cwpub(aws.env, ['mappings', 'list']);
    expect(run).toMatchObject({
      code: 2,
      stderr: 'cwpub: there are 2 accounts; choose one with --account (accounts: acme, globex)\n',
    });
  });

  it('says how to add an account when there is none, and refuses an unknown one', async () => {
    const none = await cwpub(aws.env, ['mappings', 'list']);
    await addAccount('acme');
    const unknown = await cwpub(aws.env, ['mappings', 'list', '--account', 'nope']);
    expect(none).toMatchObject({
      code: 2,
      stderr: 'cwpub: the accounts table is empty; add an account with `cwpub accounts put`\n',
    });
    expect(unknown).toMatchObject({
      code: 2,
      stderr: 'cwpub: account "nope" not found in the accounts table (accounts: acme)\n',
    });
  });

  it('lists invalid mapping items and exits 1', async () => {
    await addAccount();
    await putItem(aws, TABLES.MAPPINGS_TABLE, { accountId: 'acme', clientId: 'c9', managedId: '' });
    const run = await cwpub(aws.env, ['mappings', 'list']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^c9 {6}managedId must not be empty$/m);
  });

  it('trims ids and names as the CSV import does, and refuses empty ids or ids starting with # before any write', async () => {
    await addAccount();
    const put = await cwpub(aws.env, [
      'mappings',
      'put',
      '--client',
      ' c-5 ',
      '--managed-id',
      ' M-5\t',
      '--client-name',
      '  Five  ',
      '--account',
      ' acme ',
    ]);
    const empty = await cwpub(aws.env, ['mappings', 'put', '--client', '  ', '--managed-id', 'M-1']);
    const hash = await cwpub(aws.env, ['mappings', 'put', '--client', '#owned', '--managed-id', 'M-1']);
    const emptyAccount = await cwpub(aws.env, [
      'accounts',
      'put',
      '--account',
      '',
      '--secret-id',
      's',
      '--management-it-name',
      'n',
    ]);
    expect(put.code).toBe(0);
    expect(await mappings()).toEqual([
      { accountId: 'acme', clientId: 'c-5', managedId: 'M-5', clientName: 'Five', enabled: true },
    ]);
    expect(empty).toMatchObject({ code: 2 });
    expect(empty.stderr).toMatch(/--client must not be empty \(it is only white space\)/);
    expect(hash.stderr).toMatch(/--client must not start with # \(got "#owned"\)/);
    expect(emptyAccount).toMatchObject({ code: 2 });
    expect(emptyAccount.stderr).toMatch(/--account must not be empty/);
    expect(emptyAccount.stderr).not.toMatch(/ValidationException/);
    expect(await scanTable(aws, TABLES.ACCOUNTS_TABLE)).toHaveLength(1);
  });
});

describe('Command: cwpub mappings import', () => {
  beforeEach(async () => {
    await addAccount();
  });

  it('imports a file, then finds nothing to do when it is imported again', async () => {
    // Act
    const first = await cwpub(aws.env, ['mappings', 'import', fixture('mappings-valid.csv')]);
    const second = await cwpub(aws.env, ['mappings', 'import', fixture('mappings-valid.csv'), '--json']);
    // Assess
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/3 new, 0 changed, 0 unchanged/);
    expect(first.stdout).toMatch(/Wrote 3 mapping\(s\)\./);
    expect(second.json()).toMatchObject({
      ok: true,
      dryRun: false,
      rows: 3,
      new: 0,
      changed: 0,
      unchanged: 3,
      written: 0,
    });
    expect(await mappings()).toEqual([
      { accountId: 'acme', clientId: 'c1', managedId: 'M-1', clientName: 'Client One', enabled: true },
      { accountId: 'acme', clientId: 'c2', managedId: 'M-2', clientName: 'Client Two', enabled: true },
      { accountId: 'acme', clientId: 'c3', managedId: 'M-3', enabled: false },
    ]);
  });

  it('reads the columns in any order', async () => {
    const run = await cwpub(aws.env, ['mappings', 'import', fixture('mappings-reordered.csv')]);
    expect(run.code).toBe(0);
    expect((await mappings()).map((m) => [m.clientId, m.managedId, m.enabled])).toEqual([
      ['c1', 'M-1', true],
      ['c2', 'M-2', true],
      ['c3', 'M-3', false],
    ]);
  });

  it('shows what a dry run would change and writes nothing', async () => {
    // Prepare
    await putItem(aws, TABLES.MAPPINGS_TABLE, {
      accountId: 'acme',
      clientId: 'c1',
      managedId: 'M-OLD',
      clientName: 'Client One',
      enabled: true,
    });
    // Act
    const run = await cwpub(aws.env, ['mappings', 'import', fixture('mappings-valid.csv'), '--dry-run']);
    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/DRY RUN \(nothing written\)/);
    expect(run.stdout).toMatch(/2 new, 1 changed, 0 unchanged/);
    expect(run.stdout).toMatch(/^ {2}2 {2}c1 {3}changed {2}managedId: "M-OLD" → "M-1"$/m);
    expect(run.stdout).toMatch(/Would write 3 mapping\(s\)\./);
    expect(await mappings()).toEqual([
      { accountId: 'acme', clientId: 'c1', managedId: 'M-OLD', clientName: 'Client One', enabled: true },
    ]);
  });

  it('keeps names and disabled flags when the file has only clientId and managedId', async () => {
    await putItem(aws, TABLES.MAPPINGS_TABLE, {
      accountId: 'acme',
      clientId: 'c1',
      managedId: 'M-1',
      clientName: 'Kept',
      enabled: false,
    });
    const run = await cwpub(aws.env, ['mappings', 'import', fixture('mappings-two-columns.csv'), '--json']);
    expect(run.json()).toMatchObject({ new: 1, changed: 0, unchanged: 1 });
    expect((await mappings())[0]).toEqual({
      accountId: 'acme',
      clientId: 'c1',
      managedId: 'M-1',
      clientName: 'Kept',
      enabled: false,
    });
  });

  it('imports an Excel "CSV UTF-8" file (byte-order mark, CRLF, accents, blank line)', async () => {
    const run = await cwpub(aws.env, ['mappings', 'import', fixture('mappings-bom-crlf.csv')]);
    expect(run.code).toBe(0);
    expect((await mappings()).map((m) => [m.clientId, m.clientName])).toEqual([
      ['c1', 'Café Ltd'],
      ['c2', 'Second'],
    ]);
  });

  it.each([
    [
      'mappings-missing-column.csv',
      ['row 1, column managedId: required column is missing (the header has: clientId, clientName)'],
    ],
    [
      'mappings-unknown-column.csv',
      ['row 1, column site: unknown column (expected clientId, managedId; optional clientName, enabled, includedGb)'],
    ],
    [
      'mappings-duplicate-clients.csv',
      ['row 4, column clientId: client "c1" is also on row 2; each client may appear once'],
    ],
    [
      'mappings-bad-rows.csv',
      [
        'row 2, column enabled: must be true or false (got "yes")',
        'row 3, column clientId: must not be empty',
        'row 4, column managedId: must not be empty',
        'row 5: has 2 cells, the header has 3 (a missing or extra comma, or an unquoted comma in a value?)',
      ],
    ],
    ['mappings-empty.csv', ['the file is empty (0 bytes)']],
    ['mappings-header-only.csv', ['the file has a header row but no data rows']],
    ['mappings-utf16.csv', [expect.stringMatching(/^the file is UTF-16 encoded .*save it as "CSV UTF-8/)]],
    [
      'mappings-latin1.csv',
      [expect.stringMatching(/^row 2: the file is not valid UTF-8 \(byte 41 is not UTF-8\); save it as "CSV UTF-8/)],
    ],
  ])('refuses %s with every problem by row and column, writing nothing', async (file, problems) => {
    // Prepare
    await putItem(aws, TABLES.MAPPINGS_TABLE, { accountId: 'acme', clientId: 'c0', managedId: 'M-0', enabled: true });
    // Act
    const run = await cwpub(aws.env, ['mappings', 'import', fixture(file)]);
    // Assess
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toBe(
      `cwpub: ${fixture(file)} was not imported (nothing was written): ${problems.length} problem(s)`,
    );
    expect(lines.slice(1).map((l) => l.replace(`  ${fixture(file)}: `, ''))).toEqual(problems);
    expect(await mappings()).toEqual([{ accountId: 'acme', clientId: 'c0', managedId: 'M-0', enabled: true }]);
  });

  it('reports problems as JSON on stdout with --json', async () => {
    const run = await cwpub(aws.env, ['mappings', 'import', fixture('mappings-duplicate-clients.csv'), '--json']);
    expect(run.code).toBe(2);
    expect(run.json()).toEqual({
      file: fixture('mappings-duplicate-clients.csv'),
      ok: false,
      written: 0,
      problems: [{ row: 4, field: 'clientId', problem: 'client "c1" is also on row 2; each client may appear once' }],
    });
  });

  it('checks the file before it needs any AWS environment', async () => {
    const run = await cwpub({}, ['mappings', 'import', fixture('mappings-empty.csv')]);
    expect(run.code).toBe(2);
  });

  it('answers a missing file with exit status 2', async () => {
    const run = await cwpub(aws.env, ['mappings', 'import', fixture('nope.csv')]);
    expect(run).toMatchObject({ code: 2, stderr: `cwpub: cannot read ${fixture('nope.csv')}: no such file\n` });
  });

  it('shows a progress bar on a terminal, and none with --json', async () => {
    const tty = await cwpub(aws.env, ['mappings', 'import', fixture('mappings-valid.csv')], {}, { tty: true });
    await clearTables(aws);
    await addAccount();
    const json = await cwpub(
      aws.env,
      ['mappings', 'import', fixture('mappings-valid.csv'), '--json'],
      {},
      { tty: true },
    );
    // cli-progress hides the cursor when it starts drawing bars (drawing itself is on a timer).
    expect(tty.stderr).toContain('\u001b[?25l');
    expect(json.stderr).toBe('');
  });
});
