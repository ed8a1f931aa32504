import { describeError } from '../errors.js';
import { siteOrigin } from '../connectwise/site.js';
import { comparePeriods, parsePeriod, previousPeriod, makePeriod, type Period } from '../period.js';
import { billableGb } from '../publisher/desired-configuration.js';
import type { Account, LedgerEntry, Mapping } from '../publisher/ports/index.js';
import { formatProblems } from '../input/schemas.js';
import type { Suggestion } from './onboarding.js';
import { PAGE_SIZE, type PageDeps } from './page-deps.js';
import type { SuggestionsCache, SuggestionState } from './suggestions-cache.js';

export interface PageQuery {
  readonly accountId?: string | undefined;
  readonly period?: string | undefined;
  readonly q?: string | undefined;
  readonly page?: number | undefined;
}

/** One client of the account: a mapping (valid or not) or usage for the period, or both. */
export interface ClientRow {
  readonly clientId: string;
  readonly name?: string | undefined;
  /** The client's usage for the period. */
  readonly gb?: number | undefined;
  /** What a publish bills (contract v3): usage above the mapping's included allowance. */
  readonly billedGb?: number | undefined;
  readonly mapping?: Mapping | undefined;
  /** The stored mapping item fails validation: what is wrong with it. */
  readonly invalidMapping?: string | undefined;
  /** An `exact` suggestion, for an unmapped client. */
  readonly suggestion?: Suggestion | undefined;
  /** The company the mapping's Managed ID was last published to (what the account owns there). */
  readonly company?: string | undefined;
  readonly last?: LedgerEntry | undefined;
}

export interface PageCounts {
  readonly clients: number;
  readonly mapped: number;
  readonly unmapped: number;
  readonly suggested: number;
}

export interface PageModel {
  readonly accounts: readonly string[];
  readonly account?: Account | undefined;
  readonly accountProblem?: string | undefined;
  readonly period: string;
  readonly periods: readonly string[];
  readonly site?: string | undefined;
  readonly siteProblem?: string | undefined;
  readonly counts: PageCounts;
  /** Every row matching the search, sorted by client id (the page shows a slice). */
  readonly matching: readonly ClientRow[];
  readonly rows: readonly ClientRow[];
  readonly q: string;
  readonly page: number;
  readonly pageCount: number;
  readonly suggestions: SuggestionState;
}

/** The twelve closed months before now, newest first (the current month is not over: not offered). */
export function periodChoices(now: Date): string[] {
  const out: Period[] = [previousPeriod(now)];
  while (out.length < 12) {
    const p = out[out.length - 1]!;
    out.push(p.month === 1 ? makePeriod(p.year - 1, 12) : makePeriod(p.year, p.month - 1));
  }
  return out.map((p) => p.key);
}

export async function loadPageModel(
  deps: PageDeps,
  cache: SuggestionsCache,
  query: PageQuery,
  options: { suggestionWaitMs?: number } = {},
): Promise<PageModel> {
  const now = deps.clock();
  const period = parsePeriod(query.period?.trim() || previousPeriod(now).key, now, 'period').key;
  const all = await deps.accounts.list();
  const accounts = [...all.items.map((a) => a.accountId), ...all.invalid.map((i) => i.key.accountId ?? '')].sort();
  const accountId = query.accountId ?? deps.defaultAccountId ?? accounts[0];
  const account = all.items.find((a) => a.accountId === accountId);
  const invalid = all.invalid.find((i) => i.key.accountId === accountId);
  const periods = periodChoices(now);
  if (comparePeriods(parsePeriod(period, now), parsePeriod(periods[periods.length - 1]!, now)) < 0)
    periods.push(period);
  const empty = {
    accounts,
    period,
    periods,
    counts: { clients: 0, mapped: 0, unmapped: 0, suggested: 0 },
    matching: [],
    rows: [],
    q: query.q ?? '',
    page: 1,
    pageCount: 1,
    suggestions: { state: 'pending' } as const,
  };
  if (!account) {
    const accountProblem = invalid
      ? `account item (accountId=${accountId}) is invalid: ${formatProblems(invalid.problems)}`
      : accounts.length === 0
        ? 'the accounts table is empty; add an account with `cwpub accounts put`'
        : `account "${accountId}" not found in the accounts table`;
    return { ...empty, accountProblem };
  }
  const [rows, site, suggestions] = await Promise.all([
    loadRows(deps, account, period),
    siteOf(deps, account),
    cache.get(account.accountId, period, options.suggestionWaitMs ?? 0),
  ]);
  const exact = new Map(
    suggestions.state === 'ready'
      ? suggestions.report.suggestions.filter((s) => s.match === 'exact').map((s) => [s.clientId, s])
      : [],
  );
  const withSuggestions = rows.map((r) =>
    exact.has(r.clientId) && !r.mapping ? { ...r, suggestion: exact.get(r.clientId) } : r,
  );
  const q = (query.q ?? '').trim().toLowerCase();
  const matching = q
    ? withSuggestions.filter((r) => r.clientId.toLowerCase().includes(q) || (r.name ?? '').toLowerCase().includes(q))
    : withSuggestions;
  const pageCount = Math.max(1, Math.ceil(matching.length / PAGE_SIZE));
  const page = Math.min(Math.max(1, Math.trunc(query.page ?? 1) || 1), pageCount);
  return {
    ...empty,
    account,
    ...site,
    counts: {
      clients: rows.length,
      mapped: rows.filter((r) => r.mapping).length,
      unmapped: rows.filter((r) => !r.mapping && !r.invalidMapping).length,
      suggested: withSuggestions.filter((r) => r.suggestion).length,
    },
    matching,
    rows: matching.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE),
    q: query.q ?? '',
    page,
    pageCount,
    suggestions,
  };
}

/** Mappings, usage, the Ledger's outcomes and the owned configurations, joined per client. */
export async function loadRows(deps: PageDeps, account: Account, period: string): Promise<ClientRow[]> {
  const key = parsePeriod(period, deps.clock(), 'period', { allowOpenPeriod: true });
  const [mappings, usage, ledger, owned] = await Promise.all([
    deps.mappings.listByAccount(account.accountId),
    deps.usage.listByPeriod(account.accountId, key),
    deps.ledger.list(account.accountId, period),
    deps.ownership.listByAccount(account.accountId),
  ]);
  const rows = new Map<string, ClientRow>();
  const merge = (clientId: string, part: Partial<ClientRow>) =>
    rows.set(clientId, { ...(rows.get(clientId) ?? { clientId }), ...part });
  for (const u of usage.items) merge(u.clientId, { gb: u.billableSpaceGb, name: u.clientName });
  for (const m of mappings.items) merge(m.clientId, { mapping: m, ...(m.clientName ? { name: m.clientName } : {}) });
  for (const i of mappings.invalid)
    if (i.key.clientId) merge(i.key.clientId, { invalidMapping: formatProblems(i.problems) });
  for (const e of ledger) if (rows.has(e.clientId)) merge(e.clientId, { last: e });
  for (const o of owned) {
    const row = rows.get(o.clientId);
    if (row?.mapping && o.active && o.managedId === row.mapping.managedId && o.companyIdentifier)
      merge(o.clientId, { company: o.companyIdentifier });
  }
  const billed = [...rows.values()].map((r) =>
    r.mapping && r.gb !== undefined ? { ...r, billedGb: billableGb(r.gb, r.mapping.includedGb) } : r,
  );
  return billed.sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
}

/** The secret's site as an origin (never more of the secret: a URL's user part is dropped with the rest). */
async function siteOf(deps: PageDeps, account: Account): Promise<{ site: string } | { siteProblem: string }> {
  try {
    return { site: siteOrigin((await deps.secrets.load(account.secretId)).site) };
  } catch (error) {
    return { siteProblem: describeError(error) };
  }
}
