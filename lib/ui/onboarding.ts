import { AccountNotFoundError, InputValidationError } from '../errors.js';
import { acceptSuggestions } from '../onboarding/accept.js';
import type { AcceptDeps, Suggestion as CoreSuggestion } from '../onboarding/ports.js';
import { suggestMappings } from '../onboarding/suggest.js';
import { parsePeriod } from '../period.js';
import type { Account, AccountsRepository } from '../publisher/ports/index.js';

/**
 * The page's port to onboarding (contract v3 "Onboarding: Managed-ID suggestions"). The JSON shapes
 * are the contract's `cwpub mappings suggest --json`; `CoreOnboarding` below serves it with the same
 * core as `cwpub mappings suggest [--accept]` (lib/onboarding).
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

/**
 * The page's onboarding: `suggestMappings` / `acceptSuggestions`, exactly what `cwpub mappings suggest`
 * runs (same matching, same Management tab POST, never an existing mapping or entry changed).
 */
export class CoreOnboarding implements Onboarding {
  constructor(
    private readonly deps: AcceptDeps,
    private readonly accounts: AccountsRepository,
    private readonly clock: () => Date,
  ) {}

  async suggest(accountId: string, period: string): Promise<SuggestionReport> {
    const report = await suggestMappings(this.deps, await this.input(accountId, period));
    return { ...report, suggestions: report.suggestions.map(pageSuggestion) };
  }

  async accept(accountId: string, period: string, clientIds: readonly string[]): Promise<AcceptOutcome[]> {
    const report = await acceptSuggestions(this.deps, { ...(await this.input(accountId, period)), clientIds });
    return report.outcomes.map((o) => ({
      clientId: o.clientId,
      // A mapping that appeared meanwhile was left as it was: for the page, not accepted.
      status: o.status === 'accepted' ? 'accepted' : 'failed',
      ...(o.managedId !== undefined ? { managedId: o.managedId } : {}),
      ...(o.action !== undefined ? { action: o.action } : {}),
      ...(o.reason !== undefined || o.note !== undefined ? { reason: o.reason ?? o.note } : {}),
    }));
  }

  private async input(
    accountId: string,
    period: string,
  ): Promise<{ account: Account; period: ReturnType<typeof parsePeriod> }> {
    const account = await this.accounts.get(accountId);
    if (!account) throw new AccountNotFoundError(`account "${accountId}" not found`);
    if (!('secretId' in account))
      throw new InputValidationError(`account item (accountId=${accountId}) is invalid`, { field: 'accountId' });
    return { account, period: parsePeriod(period, this.clock(), 'period', { allowOpenPeriod: true }) };
  }
}

function pageSuggestion(s: CoreSuggestion): Suggestion {
  return { ...s, clientName: s.clientName ?? '' };
}
