import type { ConnectWisePort } from '../../lib/publisher/ports/connectwise.js';
import type { Company, ManagementEntry } from '../../lib/connectwise/types.js';
import { RunDeadlineError } from '../../lib/errors.js';
import { resolveManagedIds, type LookupChunk, type LookupJournal } from '../../lib/publisher/resolution.js';
import {
  FINISH_RESERVE_CAP_MS,
  FINISH_RESERVE_FLOOR_MS,
  MIN_STALL_MS,
  finishReserveMs,
  noProgressReason,
  stallVerdict,
} from '../../lib/publisher/time-budget.js';

describe('Function: finishReserveMs', () => {
  it('keeps the same 15 s as before for a 15-minute Lambda (capped)', () => {
    expect(finishReserveMs(840_000)).toBe(FINISH_RESERVE_CAP_MS);
  });

  it('keeps a tenth of a short invocation, so an invocation of a few seconds still does work', () => {
    // A 6-s Lambda: the handler's deadline is 4.8 s away; 0.48 s is kept, 4.3 s left to work.
    expect(finishReserveMs(4_800)).toBe(480);
    expect(finishReserveMs(4_800)).toBeLessThan(4_800);
  });

  it('never keeps less than the floor, whatever the time given (none, negative or not a number)', () => {
    expect(finishReserveMs(1_000)).toBe(FINISH_RESERVE_FLOOR_MS);
    expect(finishReserveMs(0)).toBe(FINISH_RESERVE_FLOOR_MS);
    expect(finishReserveMs(-5)).toBe(FINISH_RESERVE_FLOOR_MS);
    expect(finishReserveMs(Number.NaN)).toBe(FINISH_RESERVE_FLOOR_MS);
  });
});

describe('Function: noProgressReason', () => {
  it('tells an operator to lengthen the timeout when the invocation had no more than the reserve', () => {
    expect(noProgressReason({ budgetMs: 240, reserveMs: 250 })).toMatch(/0\.2 s .* 250 ms .* longer timeout/);
  });

  it('names the deadline that stopped it (a rate-limit pause), else a slow site or a small budget', () => {
    expect(noProgressReason({ budgetMs: 5_000, reserveMs: 500, deadline: 'rate limited until 10:00' })).toContain(
      'rate limited until 10:00',
    );
    expect(noProgressReason({ budgetMs: 5_000, reserveMs: 500 })).toMatch(/request budget is too small/);
    expect(noProgressReason({ budgetMs: 5_000, reserveMs: 500, stopped: 'lock taken by run r2' })).toContain(
      'lock taken by run r2',
    );
  });
});

describe('Function: stallVerdict', () => {
  const T0 = new Date('2026-11-01T06:00:00Z');
  const at = (ms: number) => new Date(T0.getTime() + ms);
  const none = { made: false, reason: 'waiting for the site' };

  it('starts counting at the first invocation without progress and resets on progress', () => {
    expect(stallVerdict({ previous: { count: 0 }, progress: none, now: T0 })).toEqual({
      carry: { count: 1, since: T0.toISOString() },
    });
    expect(
      stallVerdict({ previous: { count: 2, since: T0.toISOString() }, progress: { made: true }, now: at(1) }),
    ).toEqual({ carry: { count: 0 } });
  });

  it('stops the account at the third invocation in a row when no invocation like it can ever progress', () => {
    const verdict = stallVerdict({
      previous: { count: 2, since: T0.toISOString() },
      progress: { ...none, hopeless: true },
      now: at(900),
    });
    expect(verdict).toEqual({
      stop: expect.stringMatching(/^3 invocations in a row made no progress .*waiting for the site/),
    });
  });

  it('keeps going while a stall is shorter than the minimum (a rate-limit wait), then stops', () => {
    const previous = { count: 5, since: T0.toISOString() };
    expect(stallVerdict({ previous, progress: none, now: at(MIN_STALL_MS - 1) })).toEqual({
      carry: { count: 6, since: T0.toISOString() },
    });
    expect(stallVerdict({ previous, progress: none, now: at(MIN_STALL_MS) })).toHaveProperty('stop');
  });
});

describe('Function: resolveManagedIds with a look-up journal', () => {
  const SOLUTION = { id: 11, name: 'Backup Cloud' };
  const company = (id: number): Company => ({ id, identifier: `C${id}`, name: `Company ${id}` });
  const entry = (id: number, groupIdentifier: string): ManagementEntry => ({
    id,
    groupIdentifier,
    managementSolution: { id: SOLUTION.id, name: SOLUTION.name },
    deviceType: 'BackupStats',
  });
  /** 250 companies; company 7 carries M-7, company 240 carries M-240; every tab read is counted. */
  const site = () => {
    const reads: number[] = [];
    const cw = {
      listCompanies: async () => Array.from({ length: 250 }, (_, i) => company(i + 1)),
      listManagementEntries: async (id: number) => {
        reads.push(id);
        return id === 7 || id === 240 ? [entry(1000 + id, `M-${id}`)] : [];
      },
    } as unknown as ConnectWisePort;
    return { cw, reads };
  };
  const memoryJournal = () => {
    const chunks: LookupChunk[] = [];
    const journal: LookupJournal = {
      load: async () => [...chunks],
      append: async (chunk) => void chunks.push(chunk),
    };
    return { chunks, journal };
  };

  it('records what it read when time runs out, and the next call reads only the rest, finding both Managed IDs', async () => {
    // Prepare: time for 120 tab reads in the first call.
    const { cw, reads } = site();
    const { chunks, journal } = memoryJournal();
    let budget = 120;
    const wanted = new Set(['M-7', 'M-240']);

    // Act
    const first = resolveManagedIds(cw, SOLUTION, wanted, new Map(), { journal, timeLeft: () => budget-- > 0 });
    await expect(first).rejects.toThrow(RunDeadlineError);
    await expect(first).rejects.toThrow(/of 250 companies read/);
    const recorded = chunks.flatMap((c) => c.companyIds).length;
    const second = await resolveManagedIds(cw, SOLUTION, wanted, new Map(), { journal });

    // Assess
    expect(recorded).toBeGreaterThanOrEqual(100);
    expect(reads).toHaveLength(250);
    expect(new Set(reads).size).toBe(250);
    expect(second.fullScan).toBe(true);
    expect(second.index.get('M-7')?.map((c) => c.id)).toEqual([7]);
    expect(second.index.get('M-240')?.map((c) => c.id)).toEqual([240]);
  });

  it('does not read again, in the same run, a known company whose tab it already read (the cached path shares the journal)', async () => {
    // Prepare: the first invocation's full look-up was recorded, and where each Managed ID is was cached.
    const { cw, reads } = site();
    Object.assign(cw, { listCompaniesByIds: async (ids: number[]) => ids.map(company) });
    const { journal } = memoryJournal();
    const wanted = new Set(['M-7', 'M-240']);
    const first = await resolveManagedIds(cw, SOLUTION, wanted, new Map(), { journal });
    reads.length = 0;

    // Act: a continuation of the same run, the cache now knowing both companies.
    const again = await resolveManagedIds(cw, SOLUTION, wanted, first.found, { journal });

    // Assess
    expect(reads).toEqual([]);
    expect(again.fullScan).toBe(false);
    expect(again.index.get('M-240')?.map((c) => c.id)).toEqual([240]);
  });

  it('tells its caller how many companies each recording covered (the invocation progress)', async () => {
    const { cw } = site();
    const { journal } = memoryJournal();
    let recorded = 0;
    await resolveManagedIds(cw, SOLUTION, new Set(['M-7']), new Map(), {
      journal,
      onRecorded: (n) => (recorded += n),
    });
    expect(recorded).toBe(250);
  });
});
