import { AccountError, InputValidationError } from '../errors.js';
import { parsePeriod } from '../period.js';
import type { Company, ManagementEntry } from '../connectwise/types.js';
import type { Account, Mapping, PublisherDeps } from '../publisher/ports.js';
import { mappingItemSchema, validate, formatProblems } from '../schemas.js';
import { normalForm } from './normal-form.js';

/**
 * The page's port to onboarding (contract v3 "Onboarding: Managed-ID suggestions"). The JSON shapes
 * are the contract's `cwpub mappings suggest --json`; the onboarding module (lib/onboarding) can
 * implement this port directly at merge time. `MinimalOnboarding` below is this branch's own.
 */
export interface CompanyRef {
  readonly id: number;
  readonly identifier: string;
  readonly name: string;
}

export interface Suggestion {
  readonly clientId: string;
  readonly clientName: string;
  readonly match: 'exact' | 'ambiguous' | 'none';
  readonly company?: CompanyRef;
  readonly managedId?: string;
  readonly action?: 'use-existing' | 'create';
  readonly candidates: readonly CompanyRef[];
}

export interface SuggestionReport {
  readonly accountId: string;
  readonly period: string;
  readonly suggestions: readonly Suggestion[];
}

export interface AcceptOutcome {
  readonly clientId: string;
  readonly status: 'accepted' | 'failed';
  readonly managedId?: string;
  readonly action?: 'use-existing' | 'create';
  readonly reason?: string;
}

export interface Onboarding {
  suggest(accountId: string, period: string): Promise<SuggestionReport>;
  /** Applies the `exact` suggestions of these clients; never changes an existing mapping or Management tab entry. */
  accept(accountId: string, period: string, clientIds: readonly string[]): Promise<AcceptOutcome[]>;
}

/** Creates a company's Management tab entry (`POST company/companies/{id}/managementSummaryReports`). */
export type ManagementTabWriter = (
  account: Account,
  entry: { companyId: number; groupIdentifier: string },
) => Promise<void>;

type Deps = Pick<PublisherDeps, 'accounts' | 'mappings' | 'usage' | 'secrets' | 'connectWise' | 'clock'> & {
  readonly mappings: PublisherDeps['mappings'] & { put(mapping: Mapping): Promise<void> };
};

/**
 * Suggestions from what this branch has: companies listed in bulk, exact normal-form matches, the
 * Management tabs of matching companies only. It ranks no candidates for `none` (an empty list):
 * the onboarding module's similarity measure does that.
 */
export class MinimalOnboarding implements Onboarding {
  constructor(
    private readonly deps: Deps,
    private readonly writeEntry: ManagementTabWriter,
  ) {}

  async suggest(accountId: string, period: string): Promise<SuggestionReport> {
    const account = await this.account(accountId);
    const key = parsePeriod(period, this.deps.clock(), 'period', { allowOpenPeriod: true });
    const [mappings, usage] = await Promise.all([
      this.deps.mappings.listByAccount(accountId),
      this.deps.usage.listByPeriod(accountId, key),
    ]);
    const mapped = new Set([...mappings.items.map((m) => m.clientId), ...mappings.invalid.map((i) => i.key.clientId)]);
    const unmapped = usage.items.filter((u) => !mapped.has(u.clientId));
    if (unmapped.length === 0) return { accountId, period: key.key, suggestions: [] };
    const cw = await this.deps.connectWise(await this.deps.secrets.load(account.secretId), account);
    const byName = new Map<string, Company[]>();
    for (const company of await cw.listCompanies()) {
      if (company.deletedFlag) continue;
      const form = normalForm(company.name);
      if (form !== '') byName.set(form, [...(byName.get(form) ?? []), company]);
    }
    const tabs = new Map<number, Promise<ManagementEntry[]>>();
    const entriesOf = (id: number) => {
      if (!tabs.has(id)) tabs.set(id, cw.listManagementEntries(id));
      return tabs.get(id)!;
    };
    const suggestions: Suggestion[] = [];
    for (const u of [...unmapped].sort((a, b) => a.clientId.localeCompare(b.clientId))) {
      const clientName = u.clientName ?? '';
      const form = normalForm(clientName);
      const matches = form === '' ? [] : (byName.get(form) ?? []);
      if (matches.length !== 1) {
        suggestions.push({
          clientId: u.clientId,
          clientName,
          match: matches.length === 0 ? 'none' : 'ambiguous',
          candidates: matches.length === 0 ? [] : matches.map(ref),
        });
        continue;
      }
      const company = matches[0]!;
      const ours = (await entriesOf(company.id)).filter((e) => e.managementSolution?.name === account.managementItName);
      if (ours.length > 1) {
        suggestions.push({ clientId: u.clientId, clientName, match: 'ambiguous', candidates: [ref(company)] });
        continue;
      }
      suggestions.push({
        clientId: u.clientId,
        clientName,
        match: 'exact',
        company: ref(company),
        managedId: ours[0]?.groupIdentifier ?? company.identifier,
        action: ours.length === 1 ? 'use-existing' : 'create',
        candidates: [],
      });
    }
    return { accountId, period: key.key, suggestions };
  }

  async accept(accountId: string, period: string, clientIds: readonly string[]): Promise<AcceptOutcome[]> {
    const account = await this.account(accountId);
    const report = await this.suggest(accountId, period);
    const byClient = new Map(report.suggestions.map((s) => [s.clientId, s]));
    const outcomes: AcceptOutcome[] = [];
    for (const clientId of clientIds) {
      const s = byClient.get(clientId);
      if (!s || s.match !== 'exact' || !s.managedId || !s.company || !s.action) {
        outcomes.push({
          clientId,
          status: 'failed',
          reason: 'no exact suggestion (already mapped, or no single match)',
        });
        continue;
      }
      const candidate = { accountId, clientId, managedId: s.managedId, enabled: true, clientName: s.clientName };
      const checked = validate(mappingItemSchema, s.clientName ? candidate : { ...candidate, clientName: undefined });
      if (!checked.ok) {
        outcomes.push({ clientId, status: 'failed', reason: formatProblems(checked.problems) });
        continue;
      }
      if (s.action === 'create')
        await this.writeEntry(account, { companyId: s.company.id, groupIdentifier: s.managedId });
      await this.deps.mappings.put({ ...checked.value, enabled: true });
      outcomes.push({ clientId, status: 'accepted', managedId: s.managedId, action: s.action });
    }
    return outcomes;
  }

  private async account(accountId: string): Promise<Account> {
    const account = await this.deps.accounts.get(accountId);
    if (!account) throw new AccountError(`account "${accountId}" not found`, { code: 'ACCOUNT_NOT_FOUND' });
    if (!('secretId' in account))
      throw new InputValidationError(`account item (accountId=${accountId}) is invalid`, { field: 'accountId' });
    return account;
  }
}

function ref(company: Company): CompanyRef {
  return { id: company.id, identifier: company.identifier, name: company.name };
}
