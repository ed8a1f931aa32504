import type { ConnectWisePort } from '../connectwise/gateway.js';
import type { Company, ManagementItSolution } from '../connectwise/types.js';

export interface CompanyIndex {
  /** Managed ID → the companies whose Management tab carries it for our solution (exact, case-sensitive). */
  readonly byManagedId: ReadonlyMap<string, readonly Company[]>;
}

/**
 * Reads every non-deleted company's Management tab and indexes the entries of `solution` by
 * `groupIdentifier`. ConnectWise has no cross-company list of Management entries, so this costs one
 * list per company (run through the client's bounded concurrency) — but never one per client, and
 * no Managed ID ever goes into a `conditions` string.
 */
export async function indexCompaniesByManagedId(
  connectWise: ConnectWisePort,
  solution: ManagementItSolution,
): Promise<CompanyIndex> {
  const companies = await connectWise.listCompanies();
  const byManagedId = new Map<string, Company[]>();
  await Promise.all(
    companies.map(async (company) => {
      const entries = await connectWise.listManagementEntries(company.id);
      const seen = new Set<string>();
      for (const entry of entries) {
        const ref = entry.managementSolution;
        const ours = ref != null && (ref.id === solution.id || ref.name === solution.name);
        if (!ours || seen.has(entry.groupIdentifier)) continue;
        seen.add(entry.groupIdentifier);
        const list = byManagedId.get(entry.groupIdentifier) ?? [];
        list.push(company);
        byManagedId.set(entry.groupIdentifier, list);
      }
    }),
  );
  for (const list of byManagedId.values()) list.sort((a, b) => a.id - b.id);
  return { byManagedId };
}
