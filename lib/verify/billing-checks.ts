import { RETIRED_ADDITION_ADVICE } from './advice.js';
import type { Addition, Agreement, Company, ManagementBackup } from '../connectwise/types.js';
import { sameGb } from '../publisher/configuration-sync.js';
import { additionNames, isActiveAddition, pairAdditions, type BillableConfiguration } from './additions-match.js';
import type { Findings } from './findings.js';
import { retiredClientsOn } from './retired.js';
import { configurationsOf, describeExpected, expectedGb, type Target, type VerifyView } from './view.js';

/** The clients one agreement bills, with the Management Backup setup (product, billing level) it bills by. */
export interface BillingGroup {
  readonly agreement: Agreement;
  readonly backup: ManagementBackup;
  readonly company: Company;
  readonly targets: Target[];
}

/**
 * The billing part: every client expected to be billed needs a default agreement the sync can bill
 * on (`not-billed` otherwise); the agreement's additions of the setup's product must then match
 * the configurations (additions-match.ts): one per client at Detail, one total at Summary.
 */
export function checkBilling(
  view: VerifyView,
  additions: ReadonlyMap<number, readonly Addition[]>,
  f: Findings,
): BillingGroup[] {
  const groups = billingGroups(view, f);
  for (const group of groups) {
    const active = activeBackupAdditions(view, group.backup, additions.get(group.agreement.id) ?? []);
    if (group.backup.billingLevel === 'Summary') checkSummary(view, group, active, f);
    else checkDetail(view, group, active, f);
  }
  return groups;
}

/** Additions of the setup's product that are not cancelled (as of the run). */
export function activeBackupAdditions(
  view: VerifyView,
  backup: ManagementBackup,
  additions: readonly Addition[],
): Addition[] {
  return additions.filter((a) => a.product?.id === backup.item?.id && isActiveAddition(a, view.input.now));
}

export function productLabel(backup: ManagementBackup): string {
  const item = backup.item;
  return item ? (item.identifier ?? item.name ?? `#${item.id}`) : '?';
}

export function agreementLabel(agreement: Agreement): string {
  return `"${agreement.name}" (#${agreement.id})`;
}

/** The Management Backup setup the sync bills an agreement by, if any. */
export function backupFor(view: VerifyView, agreement: Agreement): ManagementBackup | undefined {
  return view.input.backups.find((b) => b.type?.id === agreement.type?.id && b.item);
}

function billingGroups(view: VerifyView, f: Findings): BillingGroup[] {
  const agreementById = new Map(view.input.agreements.map((a) => [a.id, a]));
  const groups = new Map<number, BillingGroup>();
  for (const t of view.targets) {
    const where = { clientIds: [t.mapping.clientId], managedId: t.mapping.managedId, company: t.company.identifier };
    const ref = t.entry.agreement;
    const agreement = ref ? agreementById.get(ref.id) : undefined;
    const why = !ref
      ? `the Management entry on ${t.company.identifier} has no default agreement`
      : !agreement
        ? `default agreement #${ref.id} does not exist`
        : agreement.agreementStatus && agreement.agreementStatus !== 'Active'
          ? `default agreement "${agreement.name}" is ${agreement.agreementStatus}`
          : t.entry.deviceType !== 'BackupStats'
            ? `the Management entry's device type is ${t.entry.deviceType ?? 'not set'}, not Backup Stats`
            : undefined;
    if (why || !agreement) {
      f.mismatch({
        ...where,
        kind: 'not-billed',
        detail: `${why ?? 'no default agreement'}: the sync bills nothing for this client (run cwpub doctor)`,
      });
      continue;
    }
    const backup = backupFor(view, agreement);
    if (!backup) {
      f.mismatch({
        ...where,
        kind: 'not-billed',
        agreement: agreement.name,
        detail:
          `no Management Backup setup for agreement type "${agreement.type?.name ?? '?'}": ` +
          `the sync bills nothing on "${agreement.name}" (run cwpub doctor)`,
      });
      continue;
    }
    const group = groups.get(agreement.id) ?? { agreement, backup, company: t.company, targets: [] };
    group.targets.push(t);
    groups.set(agreement.id, group);
    f.client(t.mapping.clientId, { billingLevel: backup.billingLevel ?? 'Detail' });
  }
  return [...groups.values()].sort((a, b) => a.agreement.id - b.agreement.id);
}

/** Every billing configuration of the type on the company, with the GB it should bill (ours: the usage; others: their own). */
export function billableOn(
  view: VerifyView,
  companyId: number,
  targets: readonly Target[],
): { billable: BillableConfiguration[]; targetOf: Map<number, Target> } {
  const targetOf = new Map<number, Target>();
  for (const t of targets) for (const c of configurationsOf(view, t)) targetOf.set(c.id, t);
  const billable = view.billing
    .filter((c) => c.company.id === companyId)
    .map((c) => {
      const t = targetOf.get(c.id);
      return { configuration: c, expectedGb: t ? expectedGb(view, t) : (c.backupBillableSpaceGb ?? 0) };
    });
  return { billable, targetOf };
}

function checkSummary(view: VerifyView, group: BillingGroup, additions: readonly Addition[], f: Findings): void {
  const { billable, targetOf } = billableOn(view, group.company.id, group.targets);
  // Clients with no configuration are still owed in the total.
  const covered = new Set([...targetOf.values()]);
  const missing = group.targets.filter((t) => !covered.has(t));
  const expected = round(
    billable.reduce((s, b) => s + b.expectedGb, 0) + missing.reduce((s, t) => s + t.desired.billableSpaceGb, 0),
  );
  const base = {
    clientIds: group.targets.map((t) => t.mapping.clientId),
    company: group.company.identifier,
    agreement: group.agreement.name,
  };
  const product = productLabel(group.backup);
  const label = agreementLabel(group.agreement);
  const only = additions.length === 1 ? additions[0] : undefined;
  for (const t of group.targets)
    f.client(t.mapping.clientId, { additionQuantity: only ? (only.quantity ?? null) : null });
  if (additions.length === 0) {
    f.mismatch({
      ...base,
      kind: 'missing-addition',
      expected,
      detail: `no ${product} addition on agreement ${label} (billing level Summary): has the Management sync run?`,
    });
  } else if (!only) {
    f.mismatch({
      ...base,
      kind: 'duplicate-addition',
      expected: 1,
      found: additions.length,
      detail:
        `${additions.length} active ${product} additions on agreement ${label} ` +
        `(Summary expects one): ${additions.map((a) => `#${a.id}`).join(', ')}`,
    });
  } else if (!sameGb(only.quantity, expected)) {
    f.mismatch({
      ...base,
      kind: 'wrong-addition-quantity',
      expected,
      found: only.quantity ?? 'none',
      detail:
        `addition #${only.id} on ${label} bills ${only.quantity ?? 'no'} GB; ` +
        `the total for ${group.company.identifier} is ${expected} GB`,
    });
  }
}

function checkDetail(view: VerifyView, group: BillingGroup, additions: readonly Addition[], f: Findings): void {
  const { billable } = billableOn(view, group.company.id, group.targets);
  const pairing = pairAdditions(billable, additions);
  const product = productLabel(group.backup);
  const label = agreementLabel(group.agreement);
  const { period } = view.input;
  for (const t of group.targets) {
    const configs = configurationsOf(view, t);
    if (configs.length === 0) continue; // already a missing-configuration
    const found = configs.flatMap((c) => pairing.byConfiguration.get(c.id) ?? []);
    const want = expectedGb(view, t);
    const where = {
      clientIds: [t.mapping.clientId],
      managedId: t.mapping.managedId,
      company: t.company.identifier,
      agreement: group.agreement.name,
    };
    const only = found.length === 1 ? found[0] : undefined;
    f.client(t.mapping.clientId, { additionQuantity: only ? (only.quantity ?? null) : null });
    if (found.length === 0) {
      f.mismatch({
        ...where,
        kind: 'missing-addition',
        expected: want,
        detail: `no ${product} addition for this client on agreement ${label}: has the Management sync run since the publish?`,
      });
    } else if (!only) {
      f.mismatch({
        ...where,
        kind: 'duplicate-addition',
        expected: 1,
        found: found.length,
        detail:
          `${found.length} ${product} additions bill this client on ${label}: ` +
          `${found.map((a) => `#${a.id} (${a.quantity ?? 0} GB)`).join(', ')}`,
      });
    } else if (!sameGb(only.quantity, want)) {
      f.mismatch({
        ...where,
        kind: 'wrong-addition-quantity',
        expected: want,
        found: only.quantity ?? 'none',
        detail:
          `addition #${only.id} on ${label} bills ${only.quantity ?? 'no'} GB; the ` +
          (want === t.desired.billableSpaceGb ? describeExpected(t, period.key) : `configuration is ${want} GB`),
      });
    }
  }
  for (const extra of pairing.unpaired) reportUnpaired(view, group, extra, f);
}

/**
 * An addition no billing configuration explains: for a client we bill, or nobody we know, an
 * `extra-addition`; for a client whose owned configuration on this company was retired, an
 * `addition-for-retired-configuration` (the retirement has not stopped the billing yet).
 */
export function reportUnpaired(
  view: VerifyView,
  group: { agreement: Agreement; company: Company; targets: readonly Target[] },
  extra: Addition,
  f: Findings,
): void {
  const label = agreementLabel(group.agreement);
  const base = { company: group.company.identifier, agreement: group.agreement.name, found: extra.quantity ?? 'none' };
  const what = `addition #${extra.id} (${extra.quantity ?? 0} GB${extra.description ? `, "${extra.description}"` : ''}) on ${label}`;
  // An addition left over from a configuration that is gone still names its client.
  const named = group.targets.find((t) => additionNames(extra, t.mapping.clientId));
  const retired = named
    ? []
    : retiredClientsOn(view, group.company.id).filter((r) => additionNames(extra, r.record.clientId));
  if (retired.length > 0) {
    f.mismatch({
      ...base,
      kind: 'addition-for-retired-configuration',
      clientIds: [...new Set(retired.map((r) => r.record.clientId))],
      configurationIds: retired.map((r) => r.record.configurationId),
      detail:
        `${what} still bills retired configuration(s) ${retired.map((r) => r.describe).join(', ')}: ` +
        RETIRED_ADDITION_ADVICE,
    });
    return;
  }
  f.mismatch({
    ...base,
    kind: 'extra-addition',
    clientIds: named ? [named.mapping.clientId] : [],
    detail: `${what} bills no active "${view.input.type.name}" configuration${named ? ' (the next sync should cancel it)' : ''}`,
  });
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
