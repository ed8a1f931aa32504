import pLimit from 'p-limit';
import type { ConnectWisePort } from './ports/connectwise.js';
import type { Company, ManagementEntry, ManagementItSolution } from '../connectwise/types.js';
import { RunDeadlineError } from '../errors.js';
import type { ProgressPort as Progress } from './ports/index.js';
import { NO_PROGRESS } from './ports/reporting.js';

/** Every non-deleted company with its Management tab entries (all solutions), for doctor and verify. */
export interface ManagementTab {
  readonly companies: readonly Company[];
  readonly entries: readonly { readonly company: Company; readonly entry: ManagementEntry }[];
}

/**
 * One list per company, as the publisher does (ConnectWise has no cross-company list of Management
 * entries), with a progress tick per company. The client's own concurrency bound applies.
 */
export async function loadManagementTab(connectWise: ConnectWisePort, progress: Progress): Promise<ManagementTab> {
  const companies = await connectWise.listCompanies();
  progress.start(companies.length, 'Reading Management tabs');
  try {
    const lists = await Promise.all(
      companies.map(async (company) => {
        const entries = await connectWise.listManagementEntries(company.id);
        progress.increment();
        return entries.map((entry) => ({ company, entry }));
      }),
    );
    return { companies, entries: lists.flat() };
  } finally {
    progress.stop();
  }
}

export function isOurSolution(entry: ManagementEntry, solution: ManagementItSolution): boolean {
  const ref = entry.managementSolution;
  return ref != null && (ref.id === solution.id || ref.name === solution.name);
}

export interface Resolution {
  /** Entries of our solution whose Managed ID equals the mapping's, one per company (the first by id). */
  readonly matches: readonly { readonly company: Company; readonly entry: ManagementEntry }[];
  /** Same Managed ID under another solution (a likely setup slip). */
  readonly otherSolution: readonly { readonly company: Company; readonly entry: ManagementEntry }[];
  /** Our solution, Managed ID equal but for letter case (matching is case-sensitive). */
  readonly otherCase: readonly { readonly company: Company; readonly entry: ManagementEntry }[];
}

/** How a Managed ID resolves against the Management tabs, exactly as the publisher matches. */
export function resolveManagedId(
  tab: ManagementTab,
  solution: ManagementItSolution | undefined,
  managedId: string,
): Resolution {
  const matches = new Map<number, { company: Company; entry: ManagementEntry }>();
  const otherSolution: { company: Company; entry: ManagementEntry }[] = [];
  const otherCase: { company: Company; entry: ManagementEntry }[] = [];
  const lower = managedId.toLowerCase();
  for (const pair of tab.entries) {
    const ours = solution !== undefined && isOurSolution(pair.entry, solution);
    if (pair.entry.groupIdentifier === managedId) {
      if (ours) {
        const seen = matches.get(pair.company.id);
        if (!seen || pair.entry.id < seen.entry.id) matches.set(pair.company.id, pair);
      } else otherSolution.push(pair);
    } else if (ours && pair.entry.groupIdentifier.toLowerCase() === lower) {
      otherCase.push(pair);
    }
  }
  return { matches: [...matches.values()].sort((a, b) => a.company.id - b.company.id), otherSolution, otherCase };
}

/** Managed ID → the companies whose Management tab carries it for our solution (exact, case-sensitive). */
export type CompanyIndex = ReadonlyMap<string, readonly Company[]>;

/** Indexes the tab's entries of `solution` by `groupIdentifier`, one company once per Managed ID. */
export function indexByManagedId(tab: ManagementTab, solution: ManagementItSolution): Map<string, Company[]> {
  const index = new Map<string, Company[]>();
  for (const { company, entry } of tab.entries) {
    if (!isOurSolution(entry, solution)) continue;
    const list = index.get(entry.groupIdentifier) ?? [];
    if (!list.some((c) => c.id === company.id)) list.push(company);
    index.set(entry.groupIdentifier, list);
  }
  for (const list of index.values()) list.sort((a, b) => a.id - b.id);
  return index;
}

export interface Resolved {
  readonly index: CompanyIndex;
  /** What to remember for next time: each wanted Managed ID → the companies it is on now. */
  readonly found: ReadonlyMap<string, readonly number[]>;
  /** True when every company's Management tab was read. */
  readonly fullScan: boolean;
}

/**
 * What one stretch of a full look-up read (contract v3 "Every invocation makes progress"): the companies
 * whose Management tabs were read, and what those tabs held for the account's solution. Kept as the
 * look-up goes, so the next invocation of the same run reads only the companies not read yet.
 */
export interface LookupChunk {
  readonly companyIds: readonly number[];
  /** Companies whose tab carries entries of the account's solution, with those entries' Managed IDs. */
  readonly holding: readonly { readonly company: Company; readonly managedIds: readonly string[] }[];
}

/** The look-up's journal for one account run (the Ledger table; none on a dry run, which writes nothing). */
export interface LookupJournal {
  load(): Promise<readonly LookupChunk[]>;
  append(chunk: LookupChunk): Promise<void>;
}

export interface ResolveOptions {
  readonly rescan?: boolean | undefined;
  readonly progress?: Progress | undefined;
  /** Where a full look-up records its progress and resumes from; absent: it starts over each time. */
  readonly journal?: LookupJournal | undefined;
  /** False once the invocation must stop starting reads: the look-up records what it has and stops. */
  readonly timeLeft?: (() => boolean) | undefined;
  /** Told how many companies' tabs were just recorded (the invocation's progress). */
  readonly onRecorded?: ((companies: number) => void) | undefined;
}

/**
 * Resolves Managed IDs at a cost that does not grow with the site (contract v2 "Scale"): when every
 * wanted Managed ID was found before, only the Management tabs of the companies known to carry the
 * account's Managed IDs are read — which still finds one that now also sits on a second known company.
 * A Managed ID never resolved before, one no longer where it was, or `rescan` → every company's tab,
 * journaled as it goes: when time runs out it throws RunDeadlineError, and the next call with the same
 * journal reads only the rest.
 */
export async function resolveManagedIds(
  connectWise: ConnectWisePort,
  solution: ManagementItSolution,
  wanted: ReadonlySet<string>,
  cache: ReadonlyMap<string, readonly number[]>,
  options: ResolveOptions = {},
): Promise<Resolved> {
  if (wanted.size === 0 && !options.rescan) return { index: new Map(), found: new Map(), fullScan: false };
  const knownEverywhere = [...wanted].every((m) => (cache.get(m)?.length ?? 0) > 0);
  if (!options.rescan && knownEverywhere) {
    const companyIds = [...new Set([...cache.values()].flat())];
    const known = (await connectWise.listCompaniesByIds(companyIds)).filter((c) => c.deletedFlag !== true);
    const index = await readTabs(connectWise, solution, known, { ...options, progress: undefined });
    if ([...wanted].every((m) => (index.get(m)?.length ?? 0) > 0)) {
      return { index, found: foundOf(index, wanted), fullScan: false };
    }
  }
  const index = await readTabs(connectWise, solution, await connectWise.listCompanies(), options);
  return { index, found: foundOf(index, wanted), fullScan: true };
}

/** Companies per journal chunk: one small Ledger item per this many tabs read. */
const CHUNK_COMPANIES = 100;
/** Tab reads in flight; the site's governor paces the requests themselves. */
const SCAN_CONCURRENCY = 16;

/**
 * The Management tabs of `companies`, minus those the run's journal says were read already (their
 * entries come from the journal), recording each CHUNK_COMPANIES tabs read. Both look-ups (known
 * companies, every company) share the journal: a tab read once in a run is not read again by it.
 */
async function readTabs(
  connectWise: ConnectWisePort,
  solution: ManagementItSolution,
  companies: readonly Company[],
  options: ResolveOptions,
): Promise<Map<string, Company[]>> {
  const earlier = (await options.journal?.load()) ?? [];
  const live = new Map(companies.map((c) => [c.id, c]));
  const read = new Set(earlier.flatMap((chunk) => chunk.companyIds));
  const todo = companies.filter((c) => !read.has(c.id)).sort((a, b) => a.id - b.id);
  const progress = options.progress ?? NO_PROGRESS;
  progress.start(companies.length, 'Reading Management tabs');
  // Tabs an earlier invocation of the run read count as done.
  if (todo.length < companies.length) progress.increment(companies.length - todo.length);
  const holding = earlier.flatMap((chunk) => chunk.holding).filter((h) => live.has(h.company.id));
  let pending: { companyIds: number[]; holding: LookupChunk['holding'][number][] } = { companyIds: [], holding: [] };
  const record = async (all: boolean) => {
    if (pending.companyIds.length === 0 || (!all && pending.companyIds.length < CHUNK_COMPANIES)) return;
    const chunk = pending;
    pending = { companyIds: [], holding: [] };
    holding.push(...chunk.holding);
    if (!options.journal) return;
    await options.journal.append(chunk);
    options.onRecorded?.(chunk.companyIds.length);
  };
  const limit = pLimit(SCAN_CONCURRENCY);
  let stopped = false;
  let failure: unknown;
  let readNow = 0;
  try {
    await Promise.all(
      todo.map((company) =>
        limit(async () => {
          if (stopped || failure !== undefined) return;
          if (options.timeLeft && !options.timeLeft()) {
            stopped = true;
            return;
          }
          try {
            const entries = await connectWise.listManagementEntries(company.id);
            const managedIds = entries.filter((e) => isOurSolution(e, solution)).map((e) => e.groupIdentifier);
            pending.companyIds.push(company.id);
            readNow++;
            if (managedIds.length) pending.holding.push({ company, managedIds });
            progress.increment();
            await record(false);
          } catch (error) {
            failure ??= error;
          }
        }),
      ),
    );
    // What was read is kept, whatever stopped the look-up.
    await record(true);
  } finally {
    progress.stop();
  }
  if (failure !== undefined) throw failure;
  if (stopped) {
    throw new RunDeadlineError(
      `time ran out during the Management tab look-up (${companies.length - todo.length + readNow} of ` +
        `${companies.length} companies read); what was read is recorded and the next invocation reads the rest`,
    );
  }
  return indexHolding(holding);
}

function indexHolding(holding: LookupChunk['holding']): Map<string, Company[]> {
  const index = new Map<string, Company[]>();
  for (const { company, managedIds } of holding) {
    for (const managedId of new Set(managedIds)) {
      const list = index.get(managedId) ?? [];
      if (!list.some((c) => c.id === company.id)) list.push(company);
      index.set(managedId, list);
    }
  }
  for (const list of index.values()) list.sort((a, b) => a.id - b.id);
  return index;
}

function foundOf(index: CompanyIndex, wanted: ReadonlySet<string>): Map<string, number[]> {
  const found = new Map<string, number[]>();
  for (const managedId of wanted)
    found.set(
      managedId,
      (index.get(managedId) ?? []).map((c) => c.id),
    );
  return found;
}
