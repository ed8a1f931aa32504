import { TABLES } from '../support/local-aws.js';
import { Harness, results } from './harness.js';

/** Contract v3 "Included allowance": only usage above a mapping's includedGb is billed. */
const P = '2026-10';
const NEXT = '2026-11';

describe('included allowance through the real Lambda handler (dynalite + ConnectWise simulator)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await Harness.start();
  });
  afterAll(async () => {
    await harness.close();
  });

  it('bills only the usage above the allowance, and a client within it at 0 GB, still active', async () => {
    // Prepare
    const a = await harness.account();
    a.company('Contoso', 'M-CONTOSO');
    await a.mapping('over', 'M-CONTOSO', { includedGb: 50 });
    await a.mapping('within', 'M-CONTOSO', { includedGb: 50 });
    await a.mapping('plain', 'M-CONTOSO');
    await a.usage('over', P, 80.3);
    await a.usage('within', P, 20);
    await a.usage('plain', P, 7);
    // Act
    const summary = await harness.handler()({ accountId: a.accountId, period: P });
    // Assess: ConnectWise holds the billed GB.
    expect(summary.accounts[0]).toMatchObject({ published: 3, failed: 0, retired: 0, sync: 'triggered' });
    const held = Object.fromEntries(
      a.configurations().map((c) => [c.deviceIdentifier, [c.backupBillableSpaceGb, c.activeFlag]]),
    );
    expect(held).toEqual({ over: [30.3, true], within: [0, true], plain: [7, true] });
    // Results carry both figures.
    expect(results(summary).over).toMatchObject({ status: 'published', usageGb: 80.3, billableSpaceGb: 30.3 });
    expect(results(summary).within).toMatchObject({ status: 'published', usageGb: 20, billableSpaceGb: 0 });
    expect(results(summary).plain).toMatchObject({ usageGb: 7, billableSpaceGb: 7 });
    // The Ledger row stores both.
    const ledger = (await harness.scan(TABLES.LEDGER_TABLE)).filter((r) => r.runKey === `${a.accountId}#${P}`);
    expect(ledger.map((r) => [r.clientId, r.usageGb, r.billableSpaceGb, r.publishedGb]).sort()).toEqual([
      ['over', 80.3, 30.3, 30.3],
      ['plain', 7, 7, 7],
      ['within', 20, 0, 0],
    ]);
    // The sync bills the overage only.
    expect(
      a.sim.state.additions
        .all()
        .map((x) => x.quantity)
        .sort((x, y) => x - y),
    ).toEqual([0, 7, 30.3]);
  });

  it('keeps a client that falls within its allowance published at 0 GB next month, never retired', async () => {
    // Prepare
    const a = await harness.account();
    a.company('Fabrikam', 'M-FAB');
    await a.mapping('c-1', 'M-FAB', { includedGb: 100 });
    await a.usage('c-1', P, 150);
    await a.usage('c-1', NEXT, 60);
    await harness.handler()({ accountId: a.accountId, period: P });
    // Act
    const dry = await harness.handler()({ accountId: a.accountId, period: NEXT, dryRun: true, allowOpenPeriod: true });
    const next = await harness.handler()({ accountId: a.accountId, period: NEXT, allowOpenPeriod: true });
    // Assess
    expect(results(dry)['c-1']).toMatchObject({
      status: 'planned',
      action: 'publish',
      billableSpaceGb: 0,
      usageGb: 60,
    });
    expect(results(next)['c-1']).toMatchObject({ status: 'published', billableSpaceGb: 0, usageGb: 60 });
    expect(next.accounts[0]!.retired).toBe(0);
    const [config, ...others] = a.configurations('c-1');
    expect(others).toEqual([]);
    expect(config).toMatchObject({ activeFlag: true, backupBillableSpaceGb: 0, backupYear: 2026, backupMonth: 11 });
  });

  it('fails only the client whose hand-edited includedGb is invalid, naming the field', async () => {
    // Prepare
    const a = await harness.account();
    a.company('Northwind', 'M-NW');
    await a.mapping('bad-negative', 'M-NW', { includedGb: -5 });
    await a.mapping('bad-text', 'M-NW', { includedGb: '50' });
    await a.mapping('good', 'M-NW', { includedGb: 1 });
    for (const c of ['bad-negative', 'bad-text', 'good']) await a.usage(c, P, 10);
    // Act
    const summary = await harness.handler()({ accountId: a.accountId, period: P });
    // Assess
    expect(results(summary)['bad-negative']).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/clientId=bad-negative.*includedGb must be ≥ 0/),
    });
    expect(results(summary)['bad-text']).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('includedGb must be a number (got a string)'),
    });
    expect(results(summary).good).toMatchObject({ status: 'published', billableSpaceGb: 9 });
    expect(a.configurations().map((c) => c.deviceIdentifier)).toEqual(['good']);
  });
});
