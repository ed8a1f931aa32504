/**
 * A site for onboarding (contract v3): companies with realistic names, as MSPs' ConnectWise sites hold
 * them: legal suffixes, ampersands, diacritics, a leading "The", near misses, a deleted company, two
 * companies with one normal form, a company whose tab holds our solution twice, another vendor's entry.
 * Each company has an Active agreement of the billed type unless said otherwise.
 */
import type { BackupBillingSetup, SimulatorSeed } from './seed.js';
import type { CompanyRecord, ManagementEntryRecord } from './state.js';

export interface OnboardingSite {
  /** By identifier. */
  readonly companies: Readonly<Record<string, CompanyRecord>>;
  /** Entries of our solution seeded beforehand, by company identifier. */
  readonly entries: Readonly<Record<string, readonly ManagementEntryRecord[]>>;
}

interface CompanySeed {
  readonly identifier: string;
  readonly name: string;
  readonly deleted?: boolean;
  /** Managed IDs of our solution on its Management tab (with the default agreement). */
  readonly ours?: readonly string[];
  /** Another vendor's Managed ID on its tab. */
  readonly other?: string;
  /** Agreements of the billed type (default 1). */
  readonly agreements?: number;
}

export const ONBOARDING_COMPANIES: readonly CompanySeed[] = [
  { identifier: 'Contoso', name: 'Contoso Ltd', ours: ['CONTOSO-BKP'] },
  { identifier: 'Fabrikam', name: 'Fabrikam, Inc.' },
  { identifier: 'SmithSons', name: 'Smith & Sons Ltd' },
  { identifier: 'AlpineGroup', name: 'The Alpine Group LLC', other: 'ALP-RMM-7' },
  { identifier: 'Mueller', name: 'Müller GmbH' },
  { identifier: 'Northwind', name: 'Northwind Traders' },
  { identifier: 'NorthwindInc', name: 'Northwind Traders, Inc.' },
  { identifier: 'TailspinOld', name: 'Tailspin Toys', deleted: true, agreements: 0 },
  { identifier: 'Wingtip', name: 'Wingtip Toys' },
  { identifier: 'Litware', name: 'Litware Corp', ours: ['LIT-1', 'LIT-2'] },
  { identifier: 'Proseware', name: 'Proseware Pty Ltd', agreements: 0 },
  { identifier: 'AdventureWorks', name: 'Adventure Works', ours: ['AW-001'] },
];

export function seedOnboardingSite(seed: SimulatorSeed, setup: BackupBillingSetup): OnboardingSite {
  const companies: Record<string, CompanyRecord> = {};
  const entries: Record<string, ManagementEntryRecord[]> = {};
  let otherSolutionId: number | undefined;
  for (const c of ONBOARDING_COMPANIES) {
    const company = seed.company({ identifier: c.identifier, name: c.name, deletedFlag: c.deleted ?? false });
    companies[c.identifier] = company;
    let agreementId: number | undefined;
    for (let i = 0; i < (c.agreements ?? 1); i++) {
      agreementId = seed.agreement({
        name: `${c.name} managed services`,
        companyId: company.id,
        typeId: setup.agreementType.id,
      }).id;
    }
    entries[c.identifier] = (c.ours ?? []).map((groupIdentifier) =>
      seed.managementEntry(company.id, {
        groupIdentifier,
        solutionId: setup.solution.id,
        deviceType: 'BackupStats',
        ...(agreementId === undefined ? {} : { agreementId }),
      }),
    );
    if (c.other) {
      otherSolutionId ??= seed.managementItSolution({ name: 'Other RMM' }).id;
      seed.managementEntry(company.id, { groupIdentifier: c.other, solutionId: otherSolutionId });
    }
  }
  return { companies, entries };
}
