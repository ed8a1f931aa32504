import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * `npm start` as a new user runs it: a child process, no terminal, no colour. The demo asserts
 * nothing itself; this test checks that it still tells the phase's story (billing stops for the
 * clients who left and moves with the one who moved, a dry run afterwards changes nothing) and that
 * its lines fit 100 columns.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));

/** The lines of the section that starts with the heading `== <title>…`, up to the next heading. */
function section(stdout: string, title: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`== ${title}`));
  if (start < 0) throw new Error(`no section "${title}" in the demo's output:\n${stdout}`);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('== '));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** The table rows under the line `label` inside a section (up to the first line that is not a row). */
function rowsUnder(lines: string[], label: string): string[][] {
  const at = lines.indexOf(label);
  if (at < 0) throw new Error(`no "${label}" in:\n${lines.join('\n')}`);
  const rows: string[][] = [];
  for (const line of lines.slice(at + 2)) {
    if (!line.startsWith('msp-')) break;
    rows.push(line.split(/ {2,}/));
  }
  return rows;
}

describe('npm start (scripts/demo.ts)', () => {
  let stdout = '';

  beforeAll(async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.LOG_LEVEL;
    delete env.COLUMNS;
    // Rejects (and fails every test) when the demo exits non-zero, e.g. when the handler throws.
    ({ stdout } = await promisify(execFile)(
      process.execPath,
      [`${root}/node_modules/tsx/dist/cli.mjs`, 'scripts/demo.ts'],
      {
        cwd: root,
        env,
      },
    ));
  });

  it('month 1 bills every enabled client with usage, bc-1001 on its existing configuration', () => {
    const month1 = section(stdout, 'Month 1');
    const billed = rowsUnder(month1, 'What ConnectWise bills after the sync (agreement additions):');
    expect(billed.map(([account, company, clients, gb]) => [account, company, clients, gb])).toEqual([
      ['msp-east', 'Contoso', 'bc-1001', '512.25'],
      ['msp-east', 'Contoso', 'bc-1002', '148'],
      ['msp-east', 'Fabrikam', 'bc-1003', '1024'],
      ['msp-east', 'Northwind', 'bc-1004', '37.5'],
      ['msp-west', 'AdventureWorks', 'w-01, w-02', '125.75'],
      ['msp-west', 'WideWorld', 'w-03', '2048'],
    ]);
    expect(month1).toContainEqual(expect.stringMatching(/^bc-1001's configuration: 10001 \(.*\): updated in place\.$/));
  });

  it('month 2 retires the disabled and the silent client and moves the moved one, in the CLI words', () => {
    const month2 = section(stdout, 'Month 2').join('\n');
    expect(month2).toMatch(/^Account msp-east: 0 FAILED, 2 billing stopped \(retired\), 3 published, 1 skipped/m);
    expect(month2).toMatch(/^bc-1002 +CONTOSO-BKP +Contoso +billing stopped \(retired\): its mapping is disabled/m);
    expect(month2).toMatch(
      /^bc-1003 +FABRIKAM-BKP +Fabrikam +billing stopped \(retired\): it has no usage for the period/m,
    );
    expect(month2).toMatch(
      /^bc-1004 +NORTHWIND-BKP +NWHoldings +published 41 GB: configuration 10004 on company Northwind\s+retired/m,
    );
    expect(month2).toMatch(/^bc-1005 +NORTHWIND-BKP +NWHoldings +published 12 GB/m);
  });

  it('after month 2 ConnectWise bills the moved client on its new company and cancels the others', () => {
    const month2 = section(stdout, 'Month 2');
    const billed = rowsUnder(month2, 'What ConnectWise bills now:');
    expect(billed.map(([account, company, clients, gb]) => [account, company, clients, gb])).toEqual([
      ['msp-east', 'Contoso', 'bc-1001', '530.5'],
      ['msp-east', 'NWHoldings', 'bc-1004', '41'],
      ['msp-east', 'NWHoldings', 'bc-1005', '12'],
      ['msp-west', 'AdventureWorks', 'w-01, w-02', '135.75'],
      ['msp-west', 'WideWorld', 'w-03', '2100'],
    ]);
    const cancelled = rowsUnder(month2, 'Additions the sync cancelled (billing stopped):');
    expect(cancelled.map(([account, company, clients, gb]) => [account, company, clients, gb])).toEqual([
      ['msp-east', 'Contoso', 'bc-1002', '148'],
      ['msp-east', 'Fabrikam', 'bc-1003', '1024'],
      ['msp-east', 'Northwind', 'bc-1004', '37.5'],
    ]);
    for (const row of cancelled) expect(row[5]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('a dry run of month 2 afterwards finds nothing to change', () => {
    const dry = section(stdout, 'Dry run');
    expect(dry).toContain('msp-east: nothing would change (3 already up to date, 3 skipped)');
    expect(dry).toContain('msp-west: nothing would change (3 already up to date)');
    expect(dry).toContain('EventBridge events sent: none');
  });

  it('fits a 100-column terminal', () => {
    const long = stdout.split('\n').filter((line) => line.length > 100);
    expect(long).toEqual([]);
  });
});
