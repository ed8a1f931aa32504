import type { ConnectWisePort } from '../connectwise/gateway.js';
import type { Company, ManagementEntry, ManagementItSolution } from '../connectwise/types.js';
import type { ProgressPort as Progress } from './ports.js';

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

/** The Management tabs of the given companies only (the ones known to carry the account's Managed IDs). */
export async function loadManagementTabOf(
  connectWise: ConnectWisePort,
  companyIds: readonly number[],
): Promise<ManagementTab> {
  const companies = (await connectWise.listCompaniesByIds([...new Set(companyIds)])).filter(
    (c) => c.deletedFlag !== true,
  );
  const lists = await Promise.all(
    companies.map(async (company) =>
      (await connectWise.listManagementEntries(company.id)).map((entry) => ({ company, entry })),
    ),
  );
  return { companies, entries: lists.flat() };
}

export interface Resolved {
  readonly index: CompanyIndex;
  /** What to remember for next time: each wanted Managed ID → the companies it is on now. */
  readonly found: ReadonlyMap<string, readonly number[]>;
  /** True when every company's Management tab was read. */
  readonly fullScan: boolean;
}

/**
 * Resolves Managed IDs at a cost that does not grow with the site (contract v2 "Scale"): when every
 * wanted Managed ID was found before, only the Management tabs of the companies known to carry the
 * account's Managed IDs are read — which still finds one that now also sits on a second known company.
 * A Managed ID never resolved before, one no longer where it was, or `rescan` → every company's tab.
 */
export async function resolveManagedIds(
  connectWise: ConnectWisePort,
  solution: ManagementItSolution,
  wanted: ReadonlySet<string>,
  cache: ReadonlyMap<string, readonly number[]>,
  options: { readonly rescan?: boolean | undefined; readonly progress?: Progress | undefined } = {},
): Promise<Resolved> {
  if (wanted.size === 0 && !options.rescan) return { index: new Map(), found: new Map(), fullScan: false };
  const knownEverywhere = [...wanted].every((m) => (cache.get(m)?.length ?? 0) > 0);
  if (!options.rescan && knownEverywhere) {
    const companyIds = [...cache.values()].flat();
    const index = indexByManagedId(await loadManagementTabOf(connectWise, companyIds), solution);
    if ([...wanted].every((m) => (index.get(m)?.length ?? 0) > 0)) {
      return { index, found: foundOf(index, wanted), fullScan: false };
    }
  }
  const index = indexByManagedId(await loadManagementTab(connectWise, options.progress ?? SILENT), solution);
  return { index, found: foundOf(index, wanted), fullScan: true };
}

const SILENT: Progress = { start: () => undefined, increment: () => undefined, stop: () => undefined };

function foundOf(index: CompanyIndex, wanted: ReadonlySet<string>): Map<string, number[]> {
  const found = new Map<string, number[]>();
  for (const managedId of wanted)
    found.set(
      managedId,
      (index.get(managedId) ?? []).map((c) => c.id),
    );
  return found;
}
