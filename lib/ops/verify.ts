import type {
  Addition,
  Agreement,
  Company,
  Configuration,
  ConfigurationType,
  ManagementBackup,
  ManagementEntry,
  ManagementItSolution,
} from '../connectwise/types.js';
import type { Period } from '../period.js';
import { sameGb } from '../publisher/configuration-sync.js';
import type { Account, LedgerEntry, Mapping, Validated } from '../publisher/ports.js';
import { formatProblems, type UsageItem } from '../schemas.js';
import { additionNames, isActiveAddition, pairAdditions, type BillableConfiguration } from './additions-match.js';
import { resolveManagedId, type ManagementTab } from '../publisher/resolution.js';

/**
 * `cwpub verify`: reads ConnectWise back and reconciles it with the usage table and the ledger —
 * the setup guide's two "Verify" steps (each company's Backup Stats configuration; the agreement
 * additions after the sync), for every client at once. Pure: all data comes in, a report goes out.
 *
 * For each enabled mapping with usage g for period P (clientId c, company K resolved from the
 * Managed ID exactly as the publisher does):
 * - configurations: K must hold exactly one active configuration of the account's type with
 *   deviceIdentifier c (none → `missing-configuration`, several → `duplicate-configuration`), with
 *   backupBillableSpaceGb = g (`wrong-gb`) and backupYear/backupMonth = P (`wrong-period`); an
 *   active one on another company is billed there too (`configuration-on-other-company`);
 * - billing: K's Management entry needs a default agreement whose type has a Management Backup
 *   setup (else `not-billed`); the agreement's additions of that product are matched to the
 *   configurations by the model in additions-match.ts: Detail → exactly one addition with quantity
 *   g (`missing-addition`, `duplicate-addition`, `wrong-addition-quantity`), Summary → one addition
 *   with the sum; additions nothing explains are `extra-addition`;
 * - ledger (notes, not mismatches): no publish recorded for P, or published GB ≠ today's usage.
 */
export type MismatchKind =
  | 'invalid-item'
  | 'unresolved-company'
  | 'missing-configuration'
  | 'duplicate-configuration'
  | 'wrong-gb'
  | 'wrong-period'
  | 'configuration-on-other-company'
  | 'not-billed'
  | 'missing-addition'
  | 'duplicate-addition'
  | 'wrong-addition-quantity'
  | 'extra-addition';

export type NoteKind = 'not-in-ledger' | 'usage-changed-since-publish' | 'stale-configuration';

export interface Finding<K extends string> {
  readonly kind: K;
  readonly clientIds: readonly string[];
  readonly managedId?: string;
  readonly company?: string;
  readonly agreement?: string;
  readonly expected?: number | string;
  readonly found?: number | string;
  readonly detail: string;
}

export type Mismatch = Finding<MismatchKind>;
export type Note = Finding<NoteKind>;

export interface ClientCheck {
  readonly clientId: string;
  readonly managedId: string;
  readonly status: 'ok' | 'mismatch' | 'skipped';
  readonly reason?: string;
  readonly usageGb?: number;
  readonly publishedGb?: number;
  readonly company?: string;
  readonly configurationIds?: readonly number[];
  readonly configurationGb?: number | null;
  readonly additionQuantity?: number | null;
  readonly billingLevel?: string;
}

export interface VerifyReport {
  readonly accountId: string;
  readonly period: string;
  /** True when ConnectWise matches what was published: no mismatch at all. */
  readonly ok: boolean;
  readonly checked: number;
  readonly clients: readonly ClientCheck[];
  readonly mismatches: readonly Mismatch[];
  readonly notes: readonly Note[];
}

export interface VerifyInput {
  readonly account: Account;
  readonly period: Period;
  readonly now: Date;
  readonly mappings: Validated<Mapping>;
  readonly usage: Validated<UsageItem>;
  readonly ledger: readonly LedgerEntry[];
  readonly solution: ManagementItSolution;
  readonly type: ConfigurationType;
  readonly tab: ManagementTab;
  /** Configurations of the account's type (every company). */
  readonly configurations: readonly Configuration[];
  readonly agreements: readonly Agreement[];
  readonly backups: readonly ManagementBackup[];
  /** Additions of the agreements named by `agreementsToRead`. */
  readonly additions: ReadonlyMap<number, readonly Addition[]>;
}

interface Target {
  readonly mapping: Mapping;
  readonly usage: UsageItem;
  readonly company: Company;
  readonly entry: ManagementEntry;
}

/** The clients verify looks at: enabled, valid mappings with valid usage for the period. */
function targetsOf(input: Pick<VerifyInput, 'mappings' | 'usage' | 'tab' | 'solution'>): {
  targets: Target[];
  unresolved: { mapping: Mapping; usage: UsageItem; detail: string }[];
} {
  const usage = new Map(input.usage.items.map((u) => [u.clientId, u]));
  const targets: Target[] = [];
  const unresolved: { mapping: Mapping; usage: UsageItem; detail: string }[] = [];
  for (const mapping of input.mappings.items) {
    const item = usage.get(mapping.clientId);
    if (!mapping.enabled || !item) continue;
    const res = resolveManagedId(input.tab, input.solution, mapping.managedId);
    const only = res.matches[0];
    if (res.matches.length === 1 && only) targets.push({ mapping, usage: item, company: only.company, entry: only.entry });
    else {
      unresolved.push({
        mapping,
        usage: item,
        detail:
          res.matches.length === 0
            ? `Managed ID "${mapping.managedId}" is on no company's Management tab for "${input.solution.name}"`
            : `Managed ID "${mapping.managedId}" is on ${res.matches.length} companies (${res.matches.map((m) => m.company.identifier).join(', ')})`,
      });
    }
  }
  return { targets, unresolved };
}

/** The agreements whose additions verify needs: the default agreements of the resolved clients' entries. */
export function agreementsToRead(input: Pick<VerifyInput, 'mappings' | 'usage' | 'tab' | 'solution'>): number[] {
  const ids = new Set<number>();
  for (const t of targetsOf(input).targets) if (t.entry.agreement) ids.add(t.entry.agreement.id);
  return [...ids].sort((a, b) => a - b);
}

export function reconcile(input: VerifyInput): VerifyReport {
  const mismatches: Mismatch[] = [];
  const notes: Note[] = [];
  const clients = new Map<string, ClientCheck>();
  const { period } = input;
  const set = (clientId: string, patch: Partial<ClientCheck>) => {
    const current = clients.get(clientId);
    if (current) clients.set(clientId, { ...current, ...patch });
  };

  // Items that fail validation cannot be verified: they are mismatches by themselves.
  for (const bad of input.mappings.invalid) {
    mismatches.push({
      kind: 'invalid-item',
      clientIds: [bad.key.clientId ?? '?'],
      detail: `mapping item is invalid: ${formatProblems(bad.problems)}`,
    });
  }
  for (const bad of input.usage.invalid) {
    mismatches.push({
      kind: 'invalid-item',
      clientIds: [bad.key.usageKey?.slice(period.key.length + 1) ?? '?'],
      detail: `usage item ${bad.key.usageKey ?? ''} is invalid: ${formatProblems(bad.problems)}`,
    });
  }

  const usageByClient = new Map(input.usage.items.map((u) => [u.clientId, u]));
  const ledgerByClient = new Map(input.ledger.map((l) => [l.clientId, l]));
  const ours = input.configurations.filter((c) => c.type.id === input.type.id && c.activeFlag !== false);
  const byDevice = new Map<string, Configuration[]>();
  for (const c of ours) {
    if (!c.deviceIdentifier) continue;
    const list = byDevice.get(c.deviceIdentifier) ?? [];
    list.push(c);
    byDevice.set(c.deviceIdentifier, list);
  }
  for (const list of byDevice.values()) list.sort((a, b) => a.id - b.id);

  // Every enabled mapping is listed; those without usage are skipped.
  for (const mapping of [...input.mappings.items].sort((a, b) => a.clientId.localeCompare(b.clientId))) {
    const base = { clientId: mapping.clientId, managedId: mapping.managedId };
    if (!mapping.enabled) {
      clients.set(mapping.clientId, { ...base, status: 'skipped', reason: 'mapping is disabled' });
      continue;
    }
    const usage = usageByClient.get(mapping.clientId);
    if (!usage) {
      clients.set(mapping.clientId, { ...base, status: 'skipped', reason: `no usage for ${period.key}` });
      const stale = (byDevice.get(mapping.clientId) ?? []).filter((c) => c.backupYear !== period.year || c.backupMonth !== period.month);
      if (stale.length > 0) {
        notes.push({
          kind: 'stale-configuration',
          clientIds: [mapping.clientId],
          managedId: mapping.managedId,
          detail: `no usage for ${period.key}, but active configuration(s) ${stale.map((c) => `#${c.id} (${c.backupYear ?? '?'}-${String(c.backupMonth ?? '?').padStart(2, '0')}, ${c.backupBillableSpaceGb ?? 0} GB)`).join(', ')} stay billable at every sync`,
        });
      }
      continue;
    }
    const ledger = ledgerByClient.get(mapping.clientId);
    clients.set(mapping.clientId, {
      ...base,
      status: 'ok',
      usageGb: usage.billableSpaceGb,
      ...(ledger?.publishedGb !== undefined ? { publishedGb: ledger.publishedGb } : {}),
    });
    if (ledger?.publishedGb === undefined) {
      notes.push({
        kind: 'not-in-ledger',
        clientIds: [mapping.clientId],
        managedId: mapping.managedId,
        detail: `the ledger records no publish of ${period.key} for this client${ledger ? ` (last run: ${ledger.status}${ledger.reason ? `, ${ledger.reason}` : ''})` : ''}`,
      });
    } else if (!sameGb(ledger.publishedGb, usage.billableSpaceGb)) {
      notes.push({
        kind: 'usage-changed-since-publish',
        clientIds: [mapping.clientId],
        managedId: mapping.managedId,
        expected: usage.billableSpaceGb,
        found: ledger.publishedGb,
        detail: `published ${ledger.publishedGb} GB${ledger.publishedAt ? ` at ${ledger.publishedAt}` : ''}; the usage table now says ${usage.billableSpaceGb} GB (re-publish)`,
      });
    }
  }

  const { targets, unresolved } = targetsOf(input);
  for (const u of unresolved) {
    mismatches.push({ kind: 'unresolved-company', clientIds: [u.mapping.clientId], managedId: u.mapping.managedId, detail: u.detail });
  }

  // Configurations, client by client.
  for (const t of targets) {
    const { clientId, managedId } = t.mapping;
    const where = { clientIds: [clientId], managedId, company: t.company.identifier };
    const all = byDevice.get(clientId) ?? [];
    const mine = all.filter((c) => c.company.id === t.company.id);
    const elsewhere = all.filter((c) => c.company.id !== t.company.id);
    set(clientId, { company: t.company.identifier, configurationIds: mine.map((c) => c.id) });
    if (elsewhere.length > 0) {
      mismatches.push({
        ...where,
        kind: 'configuration-on-other-company',
        detail: `active configuration(s) for this client on other companies: ${elsewhere.map((c) => `#${c.id} on ${c.company.identifier ?? c.company.id}`).join(', ')} (billed there too; deactivate or delete them)`,
      });
    }
    if (mine.length === 0) {
      mismatches.push({
        ...where,
        kind: 'missing-configuration',
        expected: usage(t),
        detail: `no active "${input.type.name}" configuration with deviceIdentifier "${clientId}" on ${t.company.identifier}`,
      });
      continue;
    }
    if (mine.length > 1) {
      mismatches.push({
        ...where,
        kind: 'duplicate-configuration',
        expected: 1,
        found: mine.length,
        detail: `${mine.length} active configurations for this client on ${t.company.identifier}: ${mine.map((c) => `#${c.id}`).join(', ')} (the sync bills each)`,
      });
    }
    const c = mine[0]!;
    set(clientId, { configurationGb: c.backupBillableSpaceGb ?? null });
    if (!sameGb(c.backupBillableSpaceGb, usage(t))) {
      mismatches.push({
        ...where,
        kind: 'wrong-gb',
        expected: usage(t),
        found: c.backupBillableSpaceGb ?? 'none',
        detail: `configuration #${c.id} holds ${c.backupBillableSpaceGb ?? 'no'} GB; usage for ${period.key} is ${usage(t)} GB`,
      });
    }
    if (c.backupYear !== period.year || c.backupMonth !== period.month) {
      const found = `${c.backupYear ?? '?'}-${c.backupMonth === null || c.backupMonth === undefined ? '?' : String(c.backupMonth).padStart(2, '0')}`;
      mismatches.push({
        ...where,
        kind: 'wrong-period',
        expected: period.key,
        found,
        detail: `configuration #${c.id} is for ${found}, not ${period.key}`,
      });
    }
  }

  // Billing: group the clients by the agreement their company's entry bills on.
  const agreementById = new Map(input.agreements.map((a) => [a.id, a]));
  const groups = new Map<number, { agreement: Agreement; backup: ManagementBackup; company: Company; targets: Target[] }>();
  for (const t of targets) {
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
    const backup = agreement ? input.backups.find((b) => b.type?.id === agreement.type?.id && b.item) : undefined;
    if (why || !agreement) {
      mismatches.push({ ...where, kind: 'not-billed', detail: `${why ?? 'no default agreement'}: the sync bills nothing for this client (run cwpub doctor)` });
      continue;
    }
    if (!backup) {
      mismatches.push({
        ...where,
        kind: 'not-billed',
        agreement: agreement.name,
        detail: `no Management Backup setup for agreement type "${agreement.type?.name ?? '?'}": the sync bills nothing on "${agreement.name}" (run cwpub doctor)`,
      });
      continue;
    }
    const group = groups.get(agreement.id) ?? { agreement, backup, company: t.company, targets: [] };
    group.targets.push(t);
    groups.set(agreement.id, group);
    set(t.mapping.clientId, { billingLevel: backup.billingLevel ?? 'Detail' });
  }

  for (const group of [...groups.values()].sort((a, b) => a.agreement.id - b.agreement.id)) {
    const productId = group.backup.item!.id;
    const additions = (input.additions.get(group.agreement.id) ?? []).filter(
      (a) => a.product?.id === productId && isActiveAddition(a, input.now),
    );
    const product = group.backup.item!.identifier ?? group.backup.item!.name ?? `#${productId}`;
    const ourByConfig = new Map<number, Target>();
    for (const t of group.targets) {
      const first = (byDevice.get(t.mapping.clientId) ?? []).filter((c) => c.company.id === t.company.id);
      for (const c of first) ourByConfig.set(c.id, t);
    }
    // Every active configuration of the type on the company is billed; ours should bill the usage.
    const billable: BillableConfiguration[] = ours
      .filter((c) => c.company.id === group.company.id)
      .map((c) => {
        const t = ourByConfig.get(c.id);
        return { configuration: c, expectedGb: t ? usage(t) : (c.backupBillableSpaceGb ?? 0) };
      });
    const agreementLabel = `"${group.agreement.name}" (#${group.agreement.id})`;
    const clientIds = group.targets.map((t) => t.mapping.clientId);

    if (group.backup.billingLevel === 'Summary') {
      // Clients with no configuration are still owed in the total.
      const missing = group.targets.filter((t) => !billable.some((b) => ourByConfig.get(b.configuration.id) === t));
      const expected = round(billable.reduce((s, b) => s + b.expectedGb, 0) + missing.reduce((s, t) => s + usage(t), 0));
      const base = { clientIds, company: group.company.identifier, agreement: group.agreement.name };
      for (const t of group.targets) set(t.mapping.clientId, { additionQuantity: additions.length === 1 ? (additions[0]!.quantity ?? null) : null });
      if (additions.length === 0) {
        mismatches.push({ ...base, kind: 'missing-addition', expected, detail: `no ${product} addition on agreement ${agreementLabel} (billing level Summary): has the Management sync run?` });
      } else if (additions.length > 1) {
        mismatches.push({
          ...base,
          kind: 'duplicate-addition',
          expected: 1,
          found: additions.length,
          detail: `${additions.length} active ${product} additions on agreement ${agreementLabel} (Summary expects one): ${additions.map((a) => `#${a.id}`).join(', ')}`,
        });
      } else if (!sameGb(additions[0]!.quantity, expected)) {
        mismatches.push({
          ...base,
          kind: 'wrong-addition-quantity',
          expected,
          found: additions[0]!.quantity ?? 'none',
          detail: `addition #${additions[0]!.id} on ${agreementLabel} bills ${additions[0]!.quantity ?? 'no'} GB; the total for ${group.company.identifier} is ${expected} GB`,
        });
      }
      continue;
    }

    const pairing = pairAdditions(billable, additions);
    for (const t of group.targets) {
      const configs = (byDevice.get(t.mapping.clientId) ?? []).filter((c) => c.company.id === t.company.id);
      if (configs.length === 0) continue; // already a missing-configuration
      const found = configs.flatMap((c) => pairing.byConfiguration.get(c.id) ?? []);
      const where = { clientIds: [t.mapping.clientId], managedId: t.mapping.managedId, company: t.company.identifier, agreement: group.agreement.name };
      set(t.mapping.clientId, { additionQuantity: found.length === 1 ? (found[0]!.quantity ?? null) : null });
      if (found.length === 0) {
        mismatches.push({
          ...where,
          kind: 'missing-addition',
          expected: usage(t),
          detail: `no ${product} addition for this client on agreement ${agreementLabel}: has the Management sync run since the publish?`,
        });
      } else if (found.length > 1) {
        mismatches.push({
          ...where,
          kind: 'duplicate-addition',
          expected: 1,
          found: found.length,
          detail: `${found.length} ${product} additions bill this client on ${agreementLabel}: ${found.map((a) => `#${a.id} (${a.quantity ?? 0} GB)`).join(', ')}`,
        });
      } else if (!sameGb(found[0]!.quantity, usage(t))) {
        mismatches.push({
          ...where,
          kind: 'wrong-addition-quantity',
          expected: usage(t),
          found: found[0]!.quantity ?? 'none',
          detail: `addition #${found[0]!.id} on ${agreementLabel} bills ${found[0]!.quantity ?? 'no'} GB; the usage for ${period.key} is ${usage(t)} GB`,
        });
      }
    }
    for (const extra of pairing.unpaired) {
      // An addition left over from a configuration that is gone still names its client.
      const named = group.targets.find((t) => additionNames(extra, t.mapping.clientId));
      mismatches.push({
        clientIds: named ? [named.mapping.clientId] : [],
        company: group.company.identifier,
        agreement: group.agreement.name,
        kind: 'extra-addition',
        found: extra.quantity ?? 'none',
        detail: `addition #${extra.id} (${extra.quantity ?? 0} GB${extra.description ? `, "${extra.description}"` : ''}) on ${agreementLabel} bills no active "${input.type.name}" configuration${named ? ' (the next sync should cancel it)' : ''}`,
      });
    }
  }

  for (const m of mismatches) for (const id of m.clientIds) set(id, { status: 'mismatch' });
  const list = [...clients.values()];
  return {
    accountId: input.account.accountId,
    period: period.key,
    ok: mismatches.length === 0,
    checked: list.filter((c) => c.status !== 'skipped').length,
    clients: list,
    mismatches,
    notes,
  };
}

function usage(t: Target): number {
  return t.usage.billableSpaceGb;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
