import type { HistoryEntry } from '../../lib/publisher/ports/index.js';
import { TABLES } from '../support/local-aws.js';
import { Harness } from './harness.js';

interface RunJson {
  run: { runId: string };
  clients: HistoryEntry[];
}

/**
 * Issue 16's audit trail through `cwpub` against dynalite and the simulator: a Managed ID move is
 * published, the month is re-run, and the record of which configuration stopped, where and when
 * survives in `billing`, `billing --client` and `runs --run`.
 */
describe('the audit trail survives a re-run of the month', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await Harness.start();
  });
  afterAll(async () => {
    await harness.close();
  });

  it('keeps a moved client’s stopped configuration and old company after the month is re-run', async () => {
    const a = await harness.account();
    a.company('Contoso', 'M-1');
    a.company('Fabrikam', 'M-2');
    await a.mapping('c-1', 'M-1', { clientName: 'Contoso' });
    await a.mapping('c-2', 'M-2');
    await a.usage('c-1', '2026-08', 10);
    await a.usage('c-2', '2026-08', 20);
    const cli = (...args: string[]) => harness.cli([...args]);
    expect((await cli('publish', '--account', a.accountId, '--period', '2026-08')).code).toBe(0);
    const old = a.configurations('c-1')[0]!;

    // September: c-1's Managed ID moved to another company; c-2 left (no usage, its billing stops).
    const target = a.company('NewHome', 'M-OTHER');
    a.sim.seed.moveManagedId('M-1', target.company.id);
    await a.usage('c-1', '2026-09', 7);
    const move = await cli('publish', '--account', a.accountId, '--period', '2026-09', '--rescan', '--json');
    expect(move.code).toBe(0);
    const moveRunId = (JSON.parse(move.stdout) as { runId: string }).runId;
    // The re-run of the same month finds everything in place.
    const rerun = await cli('publish', '--account', a.accountId, '--period', '2026-09', '--json');
    expect(rerun.code).toBe(0);
    const rerunRunId = (JSON.parse(rerun.stdout) as { runId: string }).runId;
    expect(rerunRunId).not.toBe(moveRunId);

    // billing: the latest state still names what stopped this month, and where.
    const csv = (await cli('billing', '--account', a.accountId, '--period', '2026-09', '--csv')).stdout.split('\r\n');
    const c1 = csv.find((l) => l.includes(',c-1,'))!;
    expect(c1).toContain(`,published,`);
    expect(c1).toContain(`,${old.id},`); // retiredConfigurationIds
    expect(c1).toMatch(/on company Contoso retired: its Managed ID now resolves to another company/);
    const c2 = csv.find((l) => l.includes(',c-2,'))!;
    expect(c2).toMatch(/,retired,billing stopped: it has no usage/);
    expect(c2).toContain(',Fabrikam,'); // the company's name, not #id or empty
    expect(csv).toHaveLength(4); // header, two rows, final line break

    const text = (await cli('billing', '--account', a.accountId, '--period', '2026-09')).stdout;
    expect(text).toMatch(/^Fabrikam\s+c-2\s+.*billing stopped/m);
    expect(text).not.toMatch(/#\d+/);

    // billing --client: the history of the month, as each run recorded it.
    const history = JSON.parse(
      (await cli('billing', '--account', a.accountId, '--period', '2026-09', '--client', 'c-1', '--json')).stdout,
    ) as { history: HistoryEntry[] };
    expect(history.history).toEqual([
      expect.objectContaining({
        runId: moveRunId,
        clientId: 'c-1',
        status: 'published',
        billableSpaceGb: 7,
        companyId: target.company.id,
        companyIdentifier: 'NewHome',
        companyName: 'NewHome Ltd',
        retiredConfigurationIds: [old.id],
      }),
    ]);
    const clientText = (await cli('billing', '--account', a.accountId, '--period', '2026-09', '--client', 'c-1'))
      .stdout;
    expect(clientText).toMatch(new RegExp(`published; configuration ${old.id} on company Contoso retired`));

    // runs --run: the move run names both changed clients; the re-run changed none.
    const runMove = JSON.parse(
      (await cli('runs', '--account', a.accountId, '--period', '2026-09', '--run', moveRunId, '--json')).stdout,
    ) as RunJson;
    expect(runMove.clients.map((c) => [c.clientId, c.status]).sort()).toEqual([
      ['c-1', 'published'],
      ['c-2', 'retired'],
    ]);
    expect(runMove.clients.find((c) => c.clientId === 'c-2')).toMatchObject({
      companyIdentifier: 'Fabrikam',
      reason: expect.stringMatching(/no usage/),
      retiredConfigurationIds: [a.configurations('c-2')[0]!.id],
    });
    const runRerun = await cli('runs', '--account', a.accountId, '--run', rerunRunId);
    expect(runRerun.code).toBe(0);
    expect(runRerun.stdout).toMatch(/0 client\(s\) changed, 0 failed/);
    const runText = (await cli('runs', '--account', a.accountId, '--run', moveRunId)).stdout;
    expect(runText).toMatch(/^c-2\s+Fabrikam Ltd|^c-2\s+Fabrikam/m);

    // The history items are written once and expire no sooner than 25 months after their run.
    const items = (await harness.scan(TABLES.LEDGER_TABLE)).filter((i) =>
      String(i.runKey).startsWith(`#history#${a.accountId}#`),
    );
    expect(items).toHaveLength(2 + 2); // August's two publishes, September's move and retirement
    for (const item of items) {
      const days = (Number(item.expiresAt) * 1000 - Date.parse(String(item.at))) / 86_400_000;
      expect(days).toBeGreaterThanOrEqual(761);
    }
  });
});
