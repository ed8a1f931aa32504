import type { Company, ManagementEntry, ManagementItSolution } from '../connectwise/types.js';
import { SolutionNotFoundError } from '../errors.js';
import type { ProgressPort } from '../publisher/ports/index.js';
import { isOurSolution } from '../publisher/resolution.js';
import { SETUP_LOCATIONS } from '../publisher/setup.js';
import { formed, rankCandidates, type FormedCompany } from './candidates.js';
import { normalForm } from './normal-form.js';
import type {
  CompanyRef,
  OnboardingConnection,
  SuggestDeps,
  SuggestInput,
  Suggestion,
  SuggestionReport,
} from './ports.js';

/** An unmapped client: usage for the period, no mapping item (valid or not). */
export interface UnmappedClient {
  readonly clientId: string;
  readonly clientName: string | null;
}

/** What a look found, for accept to act on without reading anything twice. */
export interface Look {
  readonly report: SuggestionReport;
  readonly connection: OnboardingConnection;
  readonly solution: ManagementItSolution;
}

/**
 * `cwpub mappings suggest` (contract v3): each unmapped client's company and Managed ID. Reads only:
 * the account's solution, the companies in bulk (pages of 1000, four fields), and the Management tabs
 * of the companies that match a client by name. Nothing is written anywhere.
 */
export async function suggestMappings(deps: SuggestDeps, input: SuggestInput): Promise<SuggestionReport> {
  return (await lookForSuggestions(deps, input)).report;
}

export async function lookForSuggestions(deps: SuggestDeps, input: SuggestInput): Promise<Look> {
  const { account, period } = input;
  const clients = await unmappedClients(deps, input);
  const secret = await deps.secrets.load(account.secretId);
  const connection = await deps.connectWise(secret, account);
  const solution = await findSolution(connection, account.managementItName);
  // No unmapped client, nothing to look up: the company listing is the expensive part.
  const companies = clients.length === 0 ? [] : await connection.listCompanies();
  const suggestions = await buildSuggestions({
    clients,
    companies,
    solution,
    readTab: (companyId) => connection.listManagementEntries(companyId),
    progress: deps.progress,
  });
  return { report: { accountId: account.accountId, period: period.key, suggestions }, connection, solution };
}

/** Clients with usage for the period and no mapping item, by client id; names per the contract. */
export async function unmappedClients(deps: SuggestDeps, input: SuggestInput): Promise<UnmappedClient[]> {
  const accountId = input.account.accountId;
  const [usage, mappings, names] = await Promise.all([
    deps.usage.listByPeriod(accountId, input.period),
    deps.mappings.listByAccount(accountId),
    deps.clientNames?.latest(accountId),
  ]);
  // An invalid mapping item is still a mapping a person made: its client is not unmapped.
  const mapped = new Set([...mappings.items.map((m) => m.clientId), ...mappings.invalid.map((i) => i.key.clientId)]);
  return usage.items
    .filter((u) => !mapped.has(u.clientId))
    .map((u) => ({ clientId: u.clientId, clientName: names?.get(u.clientId) ?? u.clientName ?? null }))
    .sort((a, b) => compareText(a.clientId, b.clientId));
}

async function findSolution(connection: OnboardingConnection, name: string): Promise<ManagementItSolution> {
  // ConnectWise compares conditions case-insensitively; the contract's match is exact.
  const solution = (await connection.findManagementItSolutions(name)).find((s) => s.name === name);
  if (!solution) {
    throw new SolutionNotFoundError(
      `Management IT solution "${name}" not found in ConnectWise (${SETUP_LOCATIONS.solution})`,
    );
  }
  return solution;
}

export interface SuggestionSources {
  readonly clients: readonly UnmappedClient[];
  /** The site's companies; deleted ones are left out here too. */
  readonly companies: readonly Company[];
  readonly solution: ManagementItSolution;
  /** A company's Management tab; called once per company that matches a client. */
  readonly readTab: (companyId: number) => Promise<readonly ManagementEntry[]>;
  readonly progress?: ProgressPort | undefined;
}

/** The contract's matching, given the companies and a way to read a Management tab. */
export async function buildSuggestions(sources: SuggestionSources): Promise<Suggestion[]> {
  const pool: FormedCompany[] = [];
  const byForm = new Map<string, Company[]>();
  for (const company of sources.companies) {
    if (company.deletedFlag === true) continue;
    const form = normalForm(company.name);
    if (form === '') continue;
    pool.push(formed(company, form));
    byForm.set(form, [...(byForm.get(form) ?? []), company]);
  }
  const matched = sources.clients.map((client) => {
    const form = normalForm(client.clientName ?? '');
    const companies = form === '' ? [] : [...(byForm.get(form) ?? [])].sort((a, b) => a.id - b.id);
    return { client, form, companies };
  });
  const exactIds = [...new Set(matched.filter((m) => m.companies.length === 1).map((m) => m.companies[0]!.id))];
  const tabs = await readTabs(exactIds, sources);
  return matched.map(({ client, form, companies }) => {
    const base = { clientId: client.clientId, clientName: client.clientName };
    if (companies.length === 0)
      return { ...base, match: 'none', candidates: rankCandidates(form, pool).map(refOf) } satisfies Suggestion;
    if (companies.length > 1) {
      const reason = `${companies.length} companies have this name`;
      return { ...base, match: 'ambiguous', candidates: companies.map(refOf), reason } satisfies Suggestion;
    }
    const company = companies[0]!;
    const ours = (tabs.get(company.id) ?? []).filter((e) => isOurSolution(e, sources.solution));
    if (ours.length > 1) {
      const reason =
        `company ${company.identifier} has ${ours.length} Management tab entries for ` +
        `"${sources.solution.name}" (${ours.map((e) => e.groupIdentifier).join(', ')})`;
      return { ...base, match: 'ambiguous', candidates: [refOf(company)], reason } satisfies Suggestion;
    }
    const existing = ours[0];
    return {
      ...base,
      match: 'exact',
      company: refOf(company),
      managedId: existing ? existing.groupIdentifier : company.identifier,
      action: existing ? 'use-existing' : 'create',
      candidates: [],
    } satisfies Suggestion;
  });
}

async function readTabs(
  companyIds: readonly number[],
  sources: SuggestionSources,
): Promise<Map<number, readonly ManagementEntry[]>> {
  const tabs = new Map<number, readonly ManagementEntry[]>();
  if (companyIds.length === 0) return tabs;
  sources.progress?.start(companyIds.length, 'Reading Management tabs of matching companies');
  try {
    // The ConnectWise client bounds concurrency per site.
    await Promise.all(
      companyIds.map(async (id) => {
        tabs.set(id, await sources.readTab(id));
        sources.progress?.increment();
      }),
    );
  } finally {
    sources.progress?.stop();
  }
  return tabs;
}

export function refOf(company: Company): CompanyRef {
  return { id: company.id, identifier: company.identifier, name: company.name };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
