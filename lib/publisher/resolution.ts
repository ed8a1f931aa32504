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
export function resolveManagedId(tab: ManagementTab, solution: ManagementItSolution | undefined, managedId: string): Resolution {
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
