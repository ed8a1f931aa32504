import type { RunSummary } from '../../lib/publisher/ports/index.js';
import { Harness, type TestAccount } from './harness.js';

/**
 * Contract v2 "Billing integrity" through `cwpub publish` (in-process, the real CLI) against dynalite
 * and the simulator, next to the Lambda handler: the same rules, the flags that proceed, exit statuses.
 */
describe('billing integrity through cwpub publish', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await Harness.start();
  });
  afterAll(async () => {
    await harness.close();
  });

  const account = async (n: number, item: Record<string, unknown> = {}) => {
    const a = await harness.account({ item });
    for (let i = 1; i <= n; i++) {
      a.company(`Co-${i}`, `M-${i}`);
      await a.mapping(`c-${i}`, `M-${i}`);
      await a.usage(`c-${i}`, '2026-08', 10 * i);
    }
    const first = await harness.cli(['publish', '--account', a.accountId, '--period', '2026-08']);
    expect(first.code).toBe(0);
    return a;
  };
  const cli = (a: TestAccount, ...args: string[]) => harness.cli(['publish', '--account', a.accountId, ...args]);
  const json = (out: { stdout: string }) => JSON.parse(out.stdout) as RunSummary;
  const active = (a: TestAccount, clientId: string) => a.configurations(clientId).filter((c) => c.activeFlag !== false);

  it('shows in words what would stop billing, then retires like the Lambda when run without a terminal', async () => {
    const a = await account(3);
    for (const i of [2, 3]) await a.usage(`c-${i}`, '2026-09', i);
    await a.mapping('c-1', 'M-1', { enabled: false });

    a.sim.resetRequests();
    const dry = await cli(a, '--period', '2026-09', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/would STOP billing/);
    expect(dry.stdout).toContain('c-1');

    expect(a.writes()).toEqual([]);
    expect(active(a, 'c-1')).toHaveLength(1);

    // No terminal (a cron job): nobody to ask, so it runs as the scheduled Lambda does.
    const done = await cli(a, '--period', '2026-09', '--json');
    expect(done.code).toBe(0);
    const result = json(done).accounts[0]!.results.find((r) => r.clientId === 'c-1');
    expect(result).toMatchObject({ status: 'retired', reason: 'billing stopped: its mapping is disabled' });
    expect(active(a, 'c-1')).toHaveLength(0);
    expect(
      a.sim
        .billing()
        .flatMap((b) => b.deviceIdentifiers)
        .sort(),
    ).toEqual(['c-2', 'c-3']);
  });

  it('holds mass retirements (exit 1, says how to proceed) until --allow-mass-retire', async () => {
    const a = await account(5);
    await a.usage('c-5', '2026-09', 1);
    const held = await cli(a, '--period', '2026-09', '--yes');
    expect(held.code).toBe(1);
    expect(held.stdout).toMatch(/Retirement held for 4 clients/);
    expect(held.stdout).toMatch(/--allow-mass-retire/);
    for (const i of [1, 2, 3, 4]) expect(active(a, `c-${i}`)).toHaveLength(1);
    const forced = await cli(a, '--period', '2026-09', '--yes', '--allow-mass-retire', '--json');
    expect(forced.code).toBe(0);
    expect(json(forced).accounts[0]!.retired).toBe(4);
  });

  it('refuses an older period (exit 1) and the open month (exit 2), each naming the flag that proceeds', async () => {
    const a = await account(1, { maxBillableSpaceGb: 100 });
    await a.usage('c-1', '2026-07', 5);
    const older = await cli(a, '--period', '2026-07');
    expect(older.code).toBe(1);
    expect(older.stdout).toMatch(/2026-08.*2026-07/);
    expect(older.stdout).toMatch(/--allow-older-period/);
    expect((await cli(a, '--period', '2026-07', '--allow-older-period')).code).toBe(0);

    const now = new Date();
    const open = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    a.sim.resetRequests();
    const refused = await cli(a, '--period', open);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--allow-open-period/);
    expect(a.sim.requests).toEqual([]);

    await a.usage('c-1', '2026-09', 101);
    const capped = await cli(a, '--period', '2026-09', '--json');
    expect(capped.code).toBe(1);
    expect(json(capped).accounts[0]!.results[0]!.reason).toMatch(/101 GB .* limit of 100 GB/);
  });

  it('never lets the CLI and the Lambda both write the same account at the same moment', async () => {
    const a = await account(4);
    for (const period of ['2026-09', '2026-10', '2026-10']) {
      const month = Number(period.slice(5));
      for (let i = 1; i <= 4; i++) await a.usage(`c-${i}`, period, month * 10 + i);
      const [viaCli, viaLambda] = await Promise.all([
        cli(a, '--period', period, '--json'),
        harness.handler()({ accountId: a.accountId, period }),
      ]);
      const cliSummary = json(viaCli);
      const busy = [cliSummary, viaLambda].filter((s) => s.accounts[0]!.error?.includes('another run'));
      if (busy.includes(cliSummary)) {
        expect(viaCli.code).toBe(1);
        expect(cliSummary.accounts[0]!.error).toContain(viaLambda.runId);
      }
      for (let i = 1; i <= 4; i++) {
        expect(active(a, `c-${i}`)).toHaveLength(1);
        expect(active(a, `c-${i}`)[0]!.backupMonth).toBe(month);
      }
    }
  });
});
