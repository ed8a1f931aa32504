import { RETIRED_ADDITION_ADVICE } from './advice.js';
import type { Addition, Configuration } from '../connectwise/types.js';
import type { OwnedConfiguration } from '../publisher/ports/index.js';
import { resolveManagedId } from '../publisher/resolution.js';
import { RETIRE_REASONS } from '../contract.js';
import { additionNames, pairAdditions } from './additions-match.js';
import { describeConfiguration, heldPeriod, holdsLaterPeriod } from './billing-model.js';
import { activeBackupAdditions, backupFor, billableOn, reportUnpaired, type BillingGroup } from './billing-checks.js';
import type { Findings } from './findings.js';
import { agreementsOfCompany, retiredClientsOn, retiredOwned } from './retired.js';
import type { VerifyView } from './view.js';
import type { MismatchKind } from './types.js';

/**
 * Billing integrity (contract v2): what ConnectWise bills follows the usage also when clients leave
 * or move. An owned configuration the sync still bills must belong to a client that should be billed
 * for the period, on the company its Managed ID resolves to now; a retired one must no longer have an
 * addition; configurations we do not own are noted, never counted against us.
 */
export function checkBillingIntegrity(
  view: VerifyView,
  additions: ReadonlyMap<number, readonly Addition[]>,
  groups: readonly BillingGroup[],
  f: Findings,
): void {
  checkStillBilled(view, f);
  checkRetiredAdditions(view, additions, groups, f);
  noteForeignConfigurations(view, f);
}

/** Each owned, billing configuration whose client should not be billed for the period. */
export function checkStillBilled(view: VerifyView, f: Findings): void {
  const { period } = view.input;
  for (const c of view.billing) {
    const record = view.ownedById.get(c.id);
    if (!record) continue;
    const base = {
      clientIds: [record.clientId],
      company: c.company.identifier ?? String(c.company.id),
      configurationIds: [c.id],
    };
    const why = whyNotBilled(view, record, c);
    if (!why) continue;
    if (holdsLaterPeriod(c, period)) {
      f.note({
        ...base,
        kind: 'later-period',
        managedId: why.managedId,
        expected: period.key,
        found: heldPeriod(c),
        detail:
          `configuration ${describeConfiguration(c)} already holds a later period than ` +
          `${period.key} (a later publish wrote it); for ${period.key} ${why.reason}`,
      });
      continue;
    }
    f.mismatch({
      ...base,
      kind: why.kind,
      managedId: why.managedId,
      found: c.backupBillableSpaceGb ?? 'none',
      detail: `owned configuration ${describeConfiguration(c)} is still billed, but ${why.reason}: a publish of ${period.key} retires it`,
    });
  }
}

interface NotBilled {
  readonly kind: Extract<MismatchKind, `still-billed-${string}`>;
  readonly reason: string;
  readonly managedId: string;
}

/** Why this client should not be billed through this configuration, or undefined when it should (or another mismatch covers it). */
function whyNotBilled(view: VerifyView, record: OwnedConfiguration, c: Configuration): NotBilled | undefined {
  const { clientId } = record;
  // An invalid mapping or usage item is an `invalid-item` already: the publish fails that client, it does not retire it.
  if (view.invalidMappingClients.has(clientId) || view.invalidUsageClients.has(clientId)) return undefined;
  const mapping = view.mappingByClient.get(clientId);
  if (!mapping)
    return {
      kind: 'still-billed-removed',
      reason: `${RETIRE_REASONS.removed} (last Managed ID "${record.managedId}")`,
      managedId: record.managedId,
    };
  if (!mapping.enabled)
    return { kind: 'still-billed-disabled', reason: RETIRE_REASONS.disabled, managedId: mapping.managedId };
  if (!view.usageByClient.has(clientId))
    return { kind: 'still-billed-no-usage', reason: RETIRE_REASONS.noUsage, managedId: mapping.managedId };
  const res = resolveManagedId(view.input.tab, view.input.solution, mapping.managedId);
  const now = res.matches.length === 1 ? res.matches[0]!.company : undefined; // unresolved: an `unresolved-company` already
  if (now && now.id !== c.company.id) {
    return {
      kind: 'still-billed-moved',
      reason: `${RETIRE_REASONS.moved} (${now.identifier})`,
      managedId: mapping.managedId,
    };
  }
  return undefined;
}

/**
 * Additions still active for retired, deactivated or deleted owned configurations, on the agreements
 * of their companies that the billing part did not already pair (those report it themselves).
 */
export function checkRetiredAdditions(
  view: VerifyView,
  additions: ReadonlyMap<number, readonly Addition[]>,
  groups: readonly BillingGroup[],
  f: Findings,
): void {
  const checked = new Set(groups.map((g) => g.agreement.id));
  const agreementById = new Map(view.input.agreements.map((a) => [a.id, a]));
  const companyById = new Map(view.input.tab.companies.map((c) => [c.id, c]));
  const companies = [...new Set(retiredOwned(view).map((r) => r.companyId))].sort((a, b) => a - b);
  for (const companyId of companies) {
    const company = companyById.get(companyId) ?? { id: companyId, identifier: `#${companyId}`, name: '' };
    for (const agreementId of agreementsOfCompany(view, companyId)) {
      const agreement = agreementById.get(agreementId);
      const backup = agreement ? backupFor(view, agreement) : undefined;
      if (!agreement || !backup || checked.has(agreementId)) continue;
      checked.add(agreementId);
      const active = activeBackupAdditions(view, backup, additions.get(agreementId) ?? []);
      const { billable } = billableOn(view, companyId, []);
      const retired = retiredClientsOn(view, companyId);
      const group = { agreement, company, targets: [] };
      if (backup.billingLevel === 'Summary') {
        // One total per agreement: it bills only retired configurations when nothing on the company bills any more.
        if (billable.length > 0) continue;
        for (const a of active) {
          f.mismatch({
            kind: 'addition-for-retired-configuration',
            clientIds: [...new Set(retired.map((r) => r.record.clientId))],
            configurationIds: retired.map((r) => r.record.configurationId),
            company: company.identifier,
            agreement: agreement.name,
            found: a.quantity ?? 'none',
            detail:
              `addition #${a.id} (${a.quantity ?? 0} GB) on "${agreement.name}" (#${agreement.id}) ` +
              `is not cancelled, but nothing on ${company.identifier} is billed any more ` +
              `(retired: ${retired.map((r) => r.describe).join(', ')}): ` +
              RETIRED_ADDITION_ADVICE,
          });
        }
        continue;
      }
      for (const extra of pairAdditions(billable, active).unpaired) {
        // Only additions naming a retired client: the rest of this company's billing is not ours to judge.
        if (retired.some((r) => additionNames(extra, r.record.clientId))) reportUnpaired(view, group, extra, f);
      }
    }
  }
}

/**
 * Billing configurations of the type with one of our client ids that the account does not own. A
 * client that owns nothing yet will adopt the oldest one on its company at its next publish: that
 * one is not noted.
 */
export function noteForeignConfigurations(view: VerifyView, f: Findings): void {
  const ownedClients = new Set(view.input.owned.map((o) => o.clientId));
  const clientIds = new Set([...view.mappingByClient.keys(), ...view.invalidMappingClients, ...ownedClients]);
  const adoptable = new Set<number>();
  for (const t of view.targets) {
    if (ownedClients.has(t.mapping.clientId)) continue;
    const first = (view.billingByDevice.get(t.mapping.clientId) ?? []).find((c) => c.company.id === t.company.id);
    if (first) adoptable.add(first.id);
  }
  for (const clientId of [...clientIds].sort()) {
    const foreign = (view.billingByDevice.get(clientId) ?? []).filter(
      (c) => !view.ownedById.has(c.id) && !adoptable.has(c.id),
    );
    if (foreign.length === 0) continue;
    f.note({
      kind: 'foreign-configuration',
      clientIds: [clientId],
      configurationIds: foreign.map((c) => c.id),
      detail:
        `active "${view.input.type.name}" configuration(s) with this client id that this account ` +
        `does not own: ${foreign.map(describeConfiguration).join(', ')}; publish never changes them`,
    });
  }
}
