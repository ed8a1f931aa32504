import type { Company, Configuration, ManagementEntry } from '../connectwise/types.js';
import type { LedgerEntry, Mapping, OwnedConfiguration } from '../publisher/ports/index.js';
import { describeBilled, desiredConfiguration, type DesiredBackupStats } from '../publisher/desired-configuration.js';
import { resolveManagedId } from '../publisher/resolution.js';
import type { UsageItem } from '../input/schemas.js';
import { billsNow, holdsLaterPeriod } from './billing-model.js';
import type { VerifyInput } from './types.js';

/** A client verify expects to be billed: enabled, valid mapping with usage, Managed ID on exactly one company. */
export interface Target {
  readonly mapping: Mapping;
  readonly usage: UsageItem;
  readonly company: Company;
  readonly entry: ManagementEntry;
  /** What its configuration should hold: the publisher's own answer (billed GB, period, active). */
  readonly desired: DesiredBackupStats;
}

export interface Unresolved {
  readonly mapping: Mapping;
  readonly usage: UsageItem;
  readonly detail: string;
}

/** What every part of the reconciliation looks things up in, computed once from the input. */
export interface VerifyView {
  readonly input: ViewInput;
  readonly mappingByClient: ReadonlyMap<string, Mapping>;
  readonly usageByClient: ReadonlyMap<string, UsageItem>;
  readonly ledgerByClient: ReadonlyMap<string, LedgerEntry>;
  /** Client ids whose mapping / usage item failed validation (already an `invalid-item`). */
  readonly invalidMappingClients: ReadonlySet<string>;
  readonly invalidUsageClients: ReadonlySet<string>;
  /** Configurations of the account's type the sync bills now. */
  readonly billing: readonly Configuration[];
  /** The billing configurations by deviceIdentifier, oldest first. */
  readonly billingByDevice: ReadonlyMap<string, readonly Configuration[]>;
  readonly ownedById: ReadonlyMap<number, OwnedConfiguration>;
  readonly targets: readonly Target[];
  readonly unresolved: readonly Unresolved[];
}

/** Everything but the additions, which are read after the view says which agreements to read. */
export type ViewInput = Omit<VerifyInput, 'additions'>;

export function buildView(input: ViewInput): VerifyView {
  const { period } = input;
  const billing = input.configurations.filter((c) => c.type.id === input.type.id && billsNow(c, input.management));
  const billingByDevice = new Map<string, Configuration[]>();
  for (const c of billing) {
    if (!c.deviceIdentifier) continue;
    billingByDevice.set(c.deviceIdentifier, [...(billingByDevice.get(c.deviceIdentifier) ?? []), c]);
  }
  for (const list of billingByDevice.values()) list.sort((a, b) => a.id - b.id);
  const { targets, unresolved } = targetsOf(input);
  return {
    input,
    mappingByClient: new Map(input.mappings.items.map((m) => [m.clientId, m])),
    usageByClient: new Map(input.usage.items.map((u) => [u.clientId, u])),
    ledgerByClient: new Map(input.ledger.map((l) => [l.clientId, l])),
    invalidMappingClients: new Set(input.mappings.invalid.map((i) => i.key.clientId ?? '')),
    invalidUsageClients: new Set(input.usage.invalid.map((i) => i.key.usageKey?.slice(period.key.length + 1) ?? '')),
    billing,
    billingByDevice,
    ownedById: new Map(input.owned.map((o) => [o.configurationId, o])),
    targets,
    unresolved,
  };
}

function targetsOf(input: Pick<VerifyInput, 'mappings' | 'usage' | 'tab' | 'solution' | 'period'>): {
  targets: Target[];
  unresolved: Unresolved[];
} {
  const usage = new Map(input.usage.items.map((u) => [u.clientId, u]));
  const targets: Target[] = [];
  const unresolved: Unresolved[] = [];
  for (const mapping of input.mappings.items) {
    const item = usage.get(mapping.clientId);
    if (!mapping.enabled || !item) continue;
    const res = resolveManagedId(input.tab, input.solution, mapping.managedId);
    const only = res.matches.length === 1 ? res.matches[0] : undefined;
    if (only) {
      const desired = desiredConfiguration(item, mapping, input.period);
      targets.push({ mapping, usage: item, company: only.company, entry: only.entry, desired });
      continue;
    }
    unresolved.push({
      mapping,
      usage: item,
      detail:
        res.matches.length === 0
          ? `Managed ID "${mapping.managedId}" is on no company's Management tab for "${input.solution.name}"`
          : `Managed ID "${mapping.managedId}" is on ${res.matches.length} companies ` +
            `(${res.matches.map((m) => m.company.identifier).join(', ')})`,
    });
  }
  return { targets, unresolved };
}

/** The target's billing configurations on its company, the owned ones first, then oldest first. */
export function configurationsOf(view: VerifyView, t: Target): Configuration[] {
  const mine = (view.billingByDevice.get(t.mapping.clientId) ?? []).filter((c) => c.company.id === t.company.id);
  const owned = (c: Configuration) => (view.ownedById.has(c.id) ? 0 : 1);
  return [...mine].sort((a, b) => owned(a) - owned(b) || a.id - b.id);
}

/** True for an owned configuration that a later period's publish already wrote: not compared with this period. */
export function isAhead(view: VerifyView, c: Configuration): boolean {
  return view.ownedById.has(c.id) && holdsLaterPeriod(c, view.input.period);
}

/** The GB the target's additions should bill: its billed GB, or what its configuration holds when that is ahead. */
export function expectedGb(view: VerifyView, t: Target): number {
  const c = configurationsOf(view, t)[0];
  return c && isAhead(view, c) ? (c.backupBillableSpaceGb ?? 0) : t.desired.billableSpaceGb;
}

/** "usage for 2026-10 is 80 GB", or "billable space for 2026-10 is 30 GB (usage 80 GB, 50 GB included)". */
export function describeExpected(t: Target, period: string): string {
  return describeBilled(t.usage, t.mapping).replace(/^(usage|billable space) /, `$1 for ${period} is `);
}
