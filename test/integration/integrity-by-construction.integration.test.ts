import { BatchWriteCommand, DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAccountStateRepository } from '../../lib/aws/ownership-repository.js';
import type { RunSummary } from '../../lib/publisher/ports/index.js';
import { TABLES } from '../support/local-aws.js';
import { dyingConnectWise, hookedConnectWise } from './crash.js';
import { Harness, results, type TestAccount } from './harness.js';

/**
 * Contract v3 "Billing integrity by construction", each case the way it failed (issue 15), through the
 * real Lambda handler against dynalite and the ConnectWise simulator: runs killed at a chosen request
 * (the call never returns, as in a killed process), a run paused past its lease, a listing shifted
 * between pages, an emptied Ledger, limited re-runs of held retirements, an unreadable answer.
 * A killed run keeps the account's lock; the next run comes 16 minutes later (an injected clock).
 */

const LATER = 16 * 60_000;

describe('billing integrity when runs do not end cleanly', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await Harness.start();
  });
  afterAll(async () => {
    await harness.close();
  });

  /** An account with `n` clients c-1..c-n on companies Co-1..Co-n, billed for 2026-08. */
  const billedAccount = async (n: number) => {
    const a = await harness.account({
      setup: { deletedConfigurationStatus: 'Removed', addedConfigurationStatus: 'Backup active' },
    });
    for (let i = 1; i <= n; i++) {
      a.company(`Co-${i}`, `M-${i}`);
      await a.mapping(`c-${i}`, `M-${i}`);
      await a.usage(`c-${i}`, '2026-08', 10 * i);
    }
    expect((await publish(a, { period: '2026-08' })).accounts[0]).toMatchObject({ published: n, failed: 0 });
    return a;
  };
  const publish = (a: TestAccount, payload: Record<string, unknown> = {}, at?: number): Promise<RunSummary> =>
    (harness.taskHandler(at === undefined ? {} : { clock: () => new Date(at) }) as (e: unknown) => Promise<RunSummary>)(
      {
        accountId: a.accountId,
        ...payload,
      },
    );
  /** Starts a run that dies at the chosen call; resolves when it has died. */
  const killedRun = async (
    a: TestAccount,
    payload: Record<string, unknown>,
    at: Parameters<typeof dyingConnectWise>[0],
  ) => {
    const { factory, died } = dyingConnectWise(at);
    void (
      harness.taskHandler({ connectWise: factory, clock: () => new Date(start) }) as (e: unknown) => Promise<unknown>
    )({
      accountId: a.accountId,
      ...payload,
    });
    await died;
  };
  let start = Date.now();
  beforeEach(() => {
    start = Date.now();
  });
  /** deviceIdentifier → billed quantity, from the simulator's live (not cancelled) additions. */
  const billed = (a: TestAccount) =>
    Object.fromEntries(
      a.sim
        .billing()
        .flatMap((b) => b.deviceIdentifiers.map((d) => [d, b.quantity] as const))
        .sort(([x], [y]) => x.localeCompare(y)),
    );
  const active = (a: TestAccount, clientId: string) => a.configurations(clientId).filter((c) => c.activeFlag !== false);
  const ledgerRows = async (a: TestAccount, period: string) =>
    (
      await harness.db.send(
        new QueryCommand({
          TableName: TABLES.LEDGER_TABLE,
          KeyConditionExpression: 'runKey = :k',
          ExpressionAttributeValues: { ':k': `${a.accountId}#${period}` },
        }),
      )
    ).Items ?? [];
  const isRetirePatch = (method: string, args: readonly unknown[]) =>
    method === 'patchConfiguration' &&
    (args[1] as { path: string; value: unknown }[]).some((op) => op.path === 'activeFlag' && op.value === false);

  describe('case 1: the sync is owed until done', () => {
    it('syncs on the re-run a retirement that landed before the run was killed, and the month keeps it', async () => {
      const a = await billedAccount(3);
      await a.usage('c-1', '2026-09', 11);
      await a.usage('c-2', '2026-09', 22);
      await killedRun(a, { period: '2026-09' }, (method) => (method === 'executeManagedItSync' ? 'before' : undefined));
      expect(a.configurations('c-3')[0]).toMatchObject({ activeFlag: false });
      expect(billed(a)['c-3']).toBe(30); // retired, but its addition still bills: no sync yet

      const again = await publish(a, { period: '2026-09' }, start + LATER);
      expect(results(again)['c-3']).toMatchObject({ status: 'retired' });
      expect(again.accounts[0]).toMatchObject({ sync: 'triggered', failed: 0 });
      expect(billed(a)).toEqual({ 'c-1': 11, 'c-2': 22 });
      // The month's Ledger keeps the retirement (`cwpub billing` reads it).
      const rows = Object.fromEntries((await ledgerRows(a, '2026-09')).map((r) => [r.clientId, r.status]));
      expect(rows['c-3']).toBe('retired');
    });

    it('triggers the owed sync when the last client left, even with nothing else to do, and only once', async () => {
      const a = await billedAccount(1);
      await a.mapping('c-1', 'M-1', { enabled: false });
      await killedRun(a, { period: '2026-09' }, (method) => (method === 'executeManagedItSync' ? 'before' : undefined));
      expect(billed(a)).toEqual({ 'c-1': 10 });

      // Next month: nothing to write at all (the client is gone), but the sync is owed.
      const next = await publish(a, { period: '2026-10' }, start + LATER);
      expect(results(next)['c-1']).toMatchObject({ status: 'skipped' });
      expect(next.accounts[0]).toMatchObject({ sync: 'triggered' });
      expect(billed(a)).toEqual({});
      a.sim.resetRequests();
      const quiet = await publish(a, { period: '2026-10' }, start + LATER);
      expect(quiet.accounts[0]).toMatchObject({ sync: 'not-needed' });
      expect(a.sim.countRequests({ method: 'POST' })).toBe(0);
    });
  });

  describe('case 2: killed between a retirement PATCH and its ownership record', () => {
    it('keeps the retiring month on record, so an older month does not bring the client back', async () => {
      const a = await billedAccount(3);
      await a.usage('c-1', '2026-09', 11);
      await a.usage('c-2', '2026-09', 22);
      await killedRun(a, { period: '2026-09' }, (method, args) => (isRetirePatch(method, args) ? 'after' : undefined));
      expect(a.configurations('c-3')[0]).toMatchObject({ activeFlag: false, backupMonth: 8 });

      const older = await publish(a, { period: '2026-08' }, start + LATER);
      expect(results(older)['c-3']).toMatchObject({ status: 'failed' });
      expect(results(older)['c-3']!.reason).toMatch(/stopped by the run for 2026-09, later than 2026-08/);
      expect(a.configurations('c-3')).toHaveLength(1);
      expect(a.configurations('c-3')[0]).toMatchObject({ activeFlag: false });
      // The sync the killed run owed is triggered: c-3 stops being billed.
      expect(older.accounts[0]!.sync).toBe('triggered');
      expect(billed(a)['c-3']).toBeUndefined();
    });
  });

  describe('case 8: the Ledger emptied between months', () => {
    it('still retires disabled, removed and no-usage clients, recognising ownership in ConnectWise', async () => {
      const a = await billedAccount(4);
      for (const c of a.configurations())
        expect(c.vendorNotes).toBe(`connectwise-usage-publisher account=${a.accountId} client=${c.deviceIdentifier}`);
      await wipeLedger(a);
      await a.mapping('c-1', 'M-1', { enabled: false });
      await harness.db.send(
        new DeleteCommand({ TableName: TABLES.MAPPINGS_TABLE, Key: { accountId: a.accountId, clientId: 'c-2' } }),
      );
      await a.usage('c-4', '2026-09', 44);

      const summary = await publish(a, { period: '2026-09' });
      const r = results(summary);
      expect([r['c-1']?.status, r['c-2']?.status, r['c-3']?.status, r['c-4']?.status]).toEqual([
        'retired',
        'retired',
        'retired',
        'published',
      ]);
      expect(billed(a)).toEqual({ 'c-4': 44 });
      for (let i = 1; i <= 4; i++) expect(a.configurations(`c-${i}`)).toHaveLength(1);
    });

    it("keeps another vendor's notes and adds the ownership line when it adopts a configuration", async () => {
      const a = await harness.account();
      const { company } = a.company('Co-1', 'M-1');
      a.sim.seed.configuration({
        companyId: company.id,
        name: 'pre-existing',
        deviceIdentifier: 'c-1',
        vendorNotes: 'managed by the old portal',
      });
      await a.mapping('c-1', 'M-1');
      await a.usage('c-1', '2026-08', 5);
      await publish(a, { period: '2026-08' });
      expect(a.configurations('c-1')).toHaveLength(1);
      expect(a.configurations('c-1')[0]!.vendorNotes).toBe(
        `managed by the old portal\nconnectwise-usage-publisher account=${a.accountId} client=c-1`,
      );
    });
  });

  /** Deletes every Ledger item of the account (ownership, months, runs, state), as a lost table would. */
  const wipeLedger = async (a: TestAccount) => {
    const items = (await harness.scan(TABLES.LEDGER_TABLE)).filter((i) => String(i.runKey).includes(a.accountId));
    for (let i = 0; i < items.length; i += 25) {
      await harness.db.send(
        new BatchWriteCommand({
          RequestItems: {
            [TABLES.LEDGER_TABLE]: items
              .slice(i, i + 25)
              .map((x) => ({ DeleteRequest: { Key: { runKey: x.runKey, clientId: x.clientId } } })),
          },
        }),
      );
    }
  };

  describe('case 4: no second configuration from a blind spot', () => {
    it('neither hides nor repeats a record when another integration deletes one between two pages', async () => {
      const a = await harness.account();
      // 1000 configurations of another integration first, so ours open the second page: page numbers
      // would skip them once five records of page 1 are gone.
      const { company: noise } = a.company('Noise', 'M-NOISE');
      const others = Array.from({ length: 1000 }, (_, i) =>
        a.sim.seed.configuration({ companyId: noise.id, name: `other ${i}`, deviceIdentifier: `x-${i}` }),
      );
      for (let i = 1; i <= 3; i++) {
        a.company(`Co-${i}`, `M-${i}`);
        await a.mapping(`c-${i}`, `M-${i}`);
        await a.usage(`c-${i}`, '2026-08', i);
        await a.usage(`c-${i}`, '2026-09', i + 1);
      }
      await publish(a, { period: '2026-08' });
      let pages = 0;
      a.sim.faults.hook({
        method: 'GET',
        path: 'company/configurations',
        times: Infinity,
        run: () => {
          // Between page 1 and page 2: five records of page 1 disappear.
          if (++pages === 2) for (const o of others.slice(0, 5)) a.sim.state.configurations.delete(o.id);
        },
      });
      a.sim.resetRequests();
      const summary = await publish(a, { period: '2026-09' });
      expect(summary.accounts[0]).toMatchObject({ published: 3, failed: 0 });
      expect(a.sim.countRequests({ method: 'POST', path: 'company/configurations' })).toBe(0);
      for (let i = 1; i <= 3; i++) expect(active(a, `c-${i}`)).toHaveLength(1);
      // Nothing was hidden: no owned configuration had to be read by id.
      expect(a.sim.countRequests({ method: 'GET', path: /^company\/configurations\/\d+$/ })).toBe(0);
      expect(pages).toBe(2);
    });

    it('does not create for every client when the listing comes back 200 []: owned ones are read by id', async () => {
      const a = await billedAccount(3);
      for (let i = 1; i <= 3; i++) await a.usage(`c-${i}`, '2026-09', i);
      const empty = hookedConnectWise({ listConfigurations: async () => [] });
      a.sim.resetRequests();
      const summary = await (harness.taskHandler({ connectWise: empty }) as (e: unknown) => Promise<RunSummary>)({
        accountId: a.accountId,
        period: '2026-09',
      });
      expect(summary.accounts[0]).toMatchObject({ published: 3, failed: 0 });
      expect(a.sim.countRequests({ method: 'POST', path: 'company/configurations' })).toBe(0);
      expect(a.sim.countRequests({ method: 'GET', path: /^company\/configurations\/\d+$/ })).toBe(3);
      for (let i = 1; i <= 3; i++) expect(active(a, `c-${i}`)).toHaveLength(1);
    });
  });

  describe('case 3: a run that lost its lock stops writing', () => {
    it('writes nothing after a pause past its lease; a late duplicate it landed is retired by the next run', async () => {
      const a = await billedAccount(2);
      a.company('Co-3', 'M-3');
      await a.mapping('c-3', 'M-3');
      for (let i = 1; i <= 3; i++) await a.usage(`c-${i}`, '2026-09', i);
      let now = start;
      let other: RunSummary | undefined;
      // Run A reads the listing (c-3 has nothing yet), then is paused for 6 minutes, during which run B
      // takes the expired lock and publishes the month.
      const paused = hookedConnectWise({
        listConfigurations: async (real, ...args) => {
          const listing = await real(...args);
          if (args[1] === undefined && other === undefined) {
            now += 6 * 60_000;
            other = await publish(a, { period: '2026-09' }, now);
          }
          return listing;
        },
      });
      const stale = await (
        harness.taskHandler({ connectWise: paused, clock: () => new Date(now) }) as (e: unknown) => Promise<RunSummary>
      )({ accountId: a.accountId, period: '2026-09' });
      expect(other!.accounts[0]).toMatchObject({ published: 3, sync: 'triggered' });
      expect(stale.accounts[0]!.error).toMatch(/lost its lock/);
      expect(a.sim.countRequests({ method: 'POST', path: 'company/configurations' })).toBe(2 + 1); // August's 2, B's c-3
      for (let i = 1; i <= 3; i++) expect(active(a, `c-${i}`)).toHaveLength(1);

      // Had the stale run landed its create before stopping, it carries the ownership line: retired next time.
      const kept = active(a, 'c-3')[0]!;
      a.sim.seed.configuration({
        companyId: kept.company.id,
        name: 'late create',
        deviceIdentifier: 'c-3',
        backupBillableSpaceGb: 3,
        backupYear: 2026,
        backupMonth: 9,
        vendorNotes: `connectwise-usage-publisher account=${a.accountId} client=c-3`,
      });
      const next = await publish(a, { period: '2026-09' }, now + LATER);
      expect(results(next)['c-3']!.retiredConfigurationIds).toHaveLength(1);
      expect(active(a, 'c-3').map((c) => c.id)).toEqual([kept.id]);
      expect(billed(a)['c-3']).toBe(3);
    });
  });

  describe('cases 6 and 7: the mass-retirement guard counts the month', () => {
    it('holds retirements for missing usage across limited re-runs of the month', async () => {
      const a = await billedAccount(10);
      for (let i = 1; i <= 4; i++) await a.usage(`c-${i}`, '2026-09', i);
      const first = await publish(a, { period: '2026-09' });
      expect(first.accounts[0]).toMatchObject({ failed: 6, retired: 0 });
      const retired: number[] = [];
      for (const pair of [
        ['c-5', 'c-6'],
        ['c-7', 'c-8'],
        ['c-9', 'c-10'],
      ]) {
        const s = await publish(a, { period: '2026-09', clientIds: pair });
        retired.push(s.accounts[0]!.retired);
      }
      // max(2, 20 % of 10) = 2 in the month: the first pair goes, the rest is held.
      expect(retired).toEqual([2, 0, 0]);
      expect(Object.keys(billed(a))).toHaveLength(8);
      const held = await publish(a, { period: '2026-09', clientIds: ['c-9'] });
      expect(results(held)['c-9']!.reason).toMatch(
        /retirement held: 3 of the account's 10 .*2 of them by earlier runs/,
      );
      const forced = await publish(a, { period: '2026-09', allowMassRetire: true });
      // The 4 held ones now, and the month's 2 earlier ones still reported as the month's retirements.
      expect(forced.accounts[0]!.retired).toBe(6);
      expect(Object.keys(billed(a))).toEqual(['c-1', 'c-2', 'c-3', 'c-4']);
    });

    it('holds retirements when the mappings table comes back empty', async () => {
      const a = await billedAccount(10);
      for (let i = 1; i <= 10; i++) {
        await a.usage(`c-${i}`, '2026-09', i);
        await harness.db.send(
          new DeleteCommand({ TableName: TABLES.MAPPINGS_TABLE, Key: { accountId: a.accountId, clientId: `c-${i}` } }),
        );
      }
      const summary = await publish(a, { period: '2026-09' });
      expect(summary.accounts[0]).toMatchObject({ retired: 0, failed: 10 });
      expect(results(summary)['c-1']!.reason).toMatch(/retirement held: 10 of the account's 10 .*removed mappings/);
      expect(Object.keys(billed(a))).toHaveLength(10);
    });

    it('ignores a guard base passed in a state machine payload', async () => {
      const a = await billedAccount(5);
      const step = (await harness.taskHandler()({
        task: 'plan',
        input: { accountId: a.accountId, period: '2026-09' },
      })) as {
        runId: string;
        period: string;
        request: unknown;
      };
      const task = {
        task: 'publishAccount',
        runId: step.runId,
        period: step.period,
        request: step.request,
        accountId: a.accountId,
        invocation: 2,
      };
      // A payload cannot carry the guard's base: refused, naming the field, nothing written.
      await expect(harness.taskHandler()({ ...task, ownedActiveAtStart: 1_000_000 })).rejects.toThrow(
        /ownedActiveAtStart/,
      );
      expect(Object.keys(billed(a))).toHaveLength(5);
      const outcome = (await harness.taskHandler()(task)) as { retired: number; failed: number };
      expect(outcome).toMatchObject({ retired: 0, failed: 5 });
      expect(Object.keys(billed(a))).toHaveLength(5);
    });
  });

  describe('uncertain writes are read back', () => {
    it('records a retirement ConnectWise applied though it answered 200 with an HTML page', async () => {
      const a = await billedAccount(3);
      await a.usage('c-1', '2026-09', 1);
      await a.usage('c-2', '2026-09', 2);
      const id = a.configurations('c-3')[0]!.id;
      a.sim.faults.unreadableAfterCommit({ method: 'PATCH', path: `company/configurations/${id}` });
      const summary = await publish(a, { period: '2026-09' });
      expect(results(summary)['c-3']).toMatchObject({ status: 'retired' });
      expect(billed(a)['c-3']).toBeUndefined();
      // Its retirement is on record: an older month does not bring it back.
      const older = await publish(a, { period: '2026-08' });
      expect(results(older)['c-3']!.reason).toMatch(/stopped by the run for 2026-09/);
    });

    it('publishes a value ConnectWise saved though the answer was empty, and records the period it holds', async () => {
      const a = await billedAccount(1);
      await a.usage('c-1', '2026-09', 7);
      a.sim.faults.unreadableAfterCommit({ method: 'PATCH', path: /^company\/configurations\/\d+$/, body: 'empty' });
      const summary = await publish(a, { period: '2026-09' });
      expect(results(summary)['c-1']).toMatchObject({ status: 'published' });
      expect(billed(a)).toEqual({ 'c-1': 7 });
      const older = await publish(a, { period: '2026-08' });
      expect(results(older)['c-1']!.reason).toMatch(/holds 2026-09, later than 2026-08/);
    });

    it('takes a create ConnectWise saved behind an HTML answer as its own, without a second POST', async () => {
      const a = await harness.account();
      a.company('Co-1', 'M-1');
      await a.mapping('c-1', 'M-1');
      await a.usage('c-1', '2026-08', 5);
      a.sim.faults.unreadableAfterCommit({ method: 'POST', path: 'company/configurations' });
      const summary = await publish(a, { period: '2026-08' });
      expect(results(summary)['c-1']).toMatchObject({ status: 'published' });
      expect(a.configurations('c-1')).toHaveLength(1);
      expect(a.sim.countRequests({ method: 'POST', path: 'company/configurations' })).toBe(1);
    });
  });

  describe('even pacing', () => {
    it('is answered 429 for at most 2 % of its requests by a site that limits per second', async () => {
      const a = await harness.account({ item: { requestsPerMinute: 600 } });
      a.sim.setRateLimit({ requestsPerMinute: 600, requestsPerSecond: 10 });
      for (let i = 1; i <= 40; i++) {
        if (i <= 8) a.company(`Co-${i}`, `M-${i}`);
        await a.mapping(`c-${i}`, `M-${((i - 1) % 8) + 1}`);
        await a.usage(`c-${i}`, '2026-08', i);
      }
      const summary = await publish(a, { period: '2026-08' });
      expect(summary.accounts[0]).toMatchObject({ published: 40, failed: 0 });
      const throttled = a.sim.countRequests({ status: 429 });
      expect(throttled / a.sim.requests.length).toBeLessThanOrEqual(0.02);
      expect(a.sim.violations).toEqual([]);
    });
  });

  describe('what the product keeps for itself in the Ledger table', () => {
    it('settles an owed sync only by a sync started after the last change; keeps the first base of a month', async () => {
      const state = new DynamoAccountStateRepository(harness.db, TABLES.LEDGER_TABLE);
      await state.oweSync('acct-state', 'run-1', '2026-11-01T06:00:00.000Z');
      await state.oweSync('acct-state', 'run-2', '2026-11-01T06:00:05.000Z');
      await state.syncDone('acct-state', '2026-11-01T06:00:01.000Z');
      expect(await state.syncOwedSince('acct-state')).toBe('2026-11-01T06:00:00.000Z');
      await state.syncDone('acct-state', '2026-11-01T06:00:06.000Z');
      expect(await state.syncOwedSince('acct-state')).toBeUndefined();

      expect(await state.monthGuard('acct-state', '2026-10')).toBeUndefined();
      expect(await state.monthGuard('acct-state', '2026-10', 10)).toEqual({ base: 10, retired: [] });
      await state.countRetired('acct-state', '2026-10', ['c-1', 'c-2']);
      await state.countRetired('acct-state', '2026-10', ['c-2']);
      const later = await state.monthGuard('acct-state', '2026-10', 1_000_000);
      expect(later).toMatchObject({ base: 10 });
      expect([...later!.retired].sort()).toEqual(['c-1', 'c-2']);
    });
  });
});
