import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { RunSummary } from '../../lib/publisher/ports/index.js';
import { Harness, type TestAccount } from './harness.js';

// The SDK's notice about Node versions it will drop is noise in a test run (the CLI turns it off too).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const P = '2026-10';
const root = fileURLToPath(new URL('../..', import.meta.url));

describe('cwpub publish (the real CLI against dynalite and the simulator)', () => {
  let harness: Harness;
  let a: TestAccount;
  beforeAll(async () => {
    harness = await Harness.start();
    a = await harness.account();
    a.company('Contoso', 'M-1');
    a.company('Fabrikam', 'M-2');
    await a.mapping('c-1', 'M-1');
    await a.mapping('c-2', 'M-2');
    await a.mapping('c-bad', 'M-NOPE');
    await a.usage('c-1', P, 11);
    await a.usage('c-2', P, 22);
    await a.usage('c-bad', P, 1);
  });
  afterAll(async () => {
    await harness.close();
  });

  it('--dry-run --json prints the plan on stdout, logs on stderr, and writes nothing', async () => {
    const { code, stdout, stderr } = await harness.cli([
      'publish',
      '--account',
      a.accountId,
      '--period',
      P,
      '--dry-run',
      '--json',
    ]);
    const summary = JSON.parse(stdout) as RunSummary;
    expect(summary.dryRun).toBe(true);
    expect(summary.accounts[0]!.results.map((r) => [r.clientId, r.status])).toEqual([
      ['c-1', 'planned'],
      ['c-2', 'planned'],
      ['c-bad', 'failed'],
    ]);
    expect(code).toBe(1); // c-bad fails even on a dry run
    // LOG_LEVEL=info (the harness): one readable line per record on stderr, never JSON on stdout.
    expect(stderr).toMatch(/^publish run started period=2026-10/m);
    expect(a.writes()).toEqual([]);
  });

  it("--log-json logs the Lambda's JSON lines instead", async () => {
    const { stderr } = await harness.cli([
      'publish',
      '--account',
      a.accountId,
      '--period',
      P,
      '--dry-run',
      '--json',
      '--log-json',
    ]);
    expect(stderr).toMatch(/"msg":"publish run started"/);
  });

  it('publishes only the --client ones and exits 0 when none failed', async () => {
    const { code, stdout } = await harness.cli([
      'publish',
      '--account',
      a.accountId,
      '--period',
      P,
      '--client',
      'c-1',
      '--client',
      'c-2',
      '--json',
    ]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as RunSummary;
    expect(summary.accounts[0]).toMatchObject({ published: 2, failed: 0, sync: 'triggered' });
    expect(
      a
        .configurations()
        .map((c) => c.deviceIdentifier)
        .sort(),
    ).toEqual(['c-1', 'c-2']);
  });

  it('prints a readable table and exits 1 when a client failed', async () => {
    const { code, stdout } = await harness.cli(['publish', '--account', a.accountId, '--period', P]);
    expect(code).toBe(1);
    expect(stdout).toMatch(new RegExp(`Account ${a.accountId}: 1 FAILED, 2 already up to date · sync triggered`));
    // The failure is listed; the clients already up to date are counted, not listed.
    expect(stdout).toMatch(/^c-bad {3}M-NOPE\s+FAILED: Managed ID "M-NOPE" is not on/m);
    expect(stdout).not.toMatch(/^c-1 /m);
    expect(stdout).toMatch(/^2 already up to date not listed/m);
  });

  it('exits 2 naming the problem for an unknown account or a bad period', async () => {
    const unknown = await harness.cli(['publish', '--account', 'ghost']);
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toMatch(/cwpub: account "ghost" not found/);
    const badPeriod = await harness.cli(['publish', '--account', a.accountId, '--period', '2026-1']);
    expect(badPeriod.code).toBe(2);
    expect(badPeriod.stderr).toMatch(/period must be a month as YYYY-MM/);
  });

  it('exits 3 when the environment lacks a table name', async () => {
    const saved = process.env.MAPPINGS_TABLE;
    delete process.env.MAPPINGS_TABLE;
    try {
      const result = await harness.cli(['publish']);
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/one setting is missing or invalid:\n {2}MAPPINGS_TABLE {2}is not set\n/);
      expect(result.stderr).toMatch(/--stack STACK_NAME/);
    } finally {
      process.env.MAPPINGS_TABLE = saved;
    }
  });

  const binary = `${root}/bin/cwpub.js`;
  it('works as the installed binary (bin/cwpub.js → dist built by `prepare`), re-run unchanged', async () => {
    expect(existsSync(`${root}/dist/cwpub.js`)).toBe(true);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [binary, 'publish', '--account', a.accountId, '--period', P, '--client', 'c-1', '--json'],
      {
        env: { ...process.env, LOG_LEVEL: 'silent' },
      },
    );
    expect((JSON.parse(stdout) as RunSummary).accounts[0]!.results[0]).toMatchObject({
      clientId: 'c-1',
      status: 'unchanged',
    });
  });
});
