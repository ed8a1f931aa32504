import type { RetireReason } from '../contract.js';
import type { Period } from '../period.js';
import { formatProblems, type UsageItem } from '../input/schemas.js';
import { describeBilled, desiredConfiguration, type DesiredBackupStats } from './desired-configuration.js';
import type { ClientResult, InvalidItem, Mapping, OwnedConfiguration, Validated } from './ports/index.js';

/** A client whose usage goes to ConnectWise this run. */
export interface Candidate {
  readonly clientId: string;
  readonly managedId: string;
  readonly clientName?: string | undefined;
  /** The usage table's figure for the period. */
  readonly usageGb: number;
  /** What is billed: `desired.billableSpaceGb` (usage above the plan's allowance). */
  readonly billableSpaceGb: number;
  /** What its configuration should hold (lib/publisher/desired-configuration.ts). */
  readonly desired: DesiredBackupStats;
}

/** A client that must stop being billed, if it still has owned active configurations. */
export interface RetireCandidate {
  readonly clientId: string;
  readonly managedId: string;
  readonly why: RetireReason;
  /** All its owned configurations: ConnectWise's own activeFlag decides which still bill (the records may lag). */
  readonly owned: readonly OwnedConfiguration[];
}

export interface ClientPlan {
  readonly candidates: readonly Candidate[];
  readonly retirements: readonly RetireCandidate[];
  /** Outcomes known without ConnectWise: skipped and failed clients. */
  readonly settled: readonly ClientResult[];
}

export interface PlanInput {
  readonly mappings: Validated<Mapping>;
  readonly usage: Validated<UsageItem>;
  readonly owned: readonly OwnedConfiguration[];
  /** Ownership records that cannot be read (hand-edited): their clients fail, nothing is planned for them. */
  readonly ownedInvalid?: readonly InvalidItem[] | undefined;
  readonly period: Period;
  /** Restricts the run (and its retirements) to these clients. */
  readonly clientIds?: readonly string[] | undefined;
  /** Fail a requested client that has no mapping (and owns nothing), so a typo is reported. */
  readonly reportUnknownClients: boolean;
  readonly maxBillableSpaceGb: number;
  /** Clients already settled by an earlier invocation of this run. */
  readonly done?: ReadonlySet<string> | undefined;
}

function describeKey(key: Readonly<Record<string, string>>): string {
  return Object.entries(key)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

export function invalidItemReason(kind: string, item: InvalidItem): string {
  return `${kind} item (${describeKey(item.key)}) is invalid: ${formatProblems(item.problems)}`;
}

/**
 * Pure: decides from mappings, usage and what the account owns which clients are published, which must
 * stop being billed (disabled, removed, no usage) and which are settled at once. A failed client
 * (invalid item, implausible usage) is never retired: what it is billed stays until the cause is fixed.
 */
export function planClients(input: PlanInput): ClientPlan {
  const { period } = input;
  const wanted = input.clientIds ? new Set(input.clientIds) : undefined;
  const include = (clientId: string) => (wanted === undefined || wanted.has(clientId)) && !input.done?.has(clientId);
  const settled: ClientResult[] = [];
  const candidates: Candidate[] = [];
  const retirements: RetireCandidate[] = [];

  // Every owned configuration, retired ones too: a record can say "retired" while ConnectWise still
  // bills it (a write that landed after its record failed), and only ConnectWise's flag is the truth.
  const ownedByClient = new Map<string, OwnedConfiguration[]>();
  for (const o of input.owned) ownedByClient.set(o.clientId, [...(ownedByClient.get(o.clientId) ?? []), o]);
  const retireOrSkip = (clientId: string, managedId: string, why: RetireReason, skipReason: string) => {
    const owned = ownedByClient.get(clientId);
    if (owned?.length) retirements.push({ clientId, managedId, why, owned });
    else settled.push({ clientId, managedId, status: 'skipped', reason: skipReason });
  };

  const usageByClient = new Map(input.usage.items.map((u) => [u.clientId, u]));
  const badUsageByClient = new Map<string, InvalidItem>();
  for (const bad of input.usage.invalid) {
    const clientId = bad.key.usageKey?.slice(period.key.length + 1);
    if (clientId) badUsageByClient.set(clientId, bad);
  }

  const known = new Set<string>();
  // Planning such a client without the record could create a second configuration or leave one billed.
  for (const bad of input.ownedInvalid ?? []) {
    const clientId = bad.key.clientId ?? '';
    if (known.has(clientId)) continue;
    known.add(clientId);
    if (!include(clientId)) continue;
    const mapping = input.mappings.items.find((m) => m.clientId === clientId);
    settled.push({
      clientId,
      managedId: mapping?.managedId ?? '',
      status: 'failed',
      reason: `${invalidItemReason('ownership', bad)}; fix the record in the Ledger table (or delete it), then publish again`,
    });
  }
  for (const bad of input.mappings.invalid) {
    const clientId = bad.key.clientId ?? '';
    if (known.has(clientId)) continue;
    known.add(clientId);
    if (!include(clientId)) continue;
    settled.push({
      clientId,
      managedId: bad.key.managedId ?? '',
      status: 'failed',
      reason: invalidItemReason('mapping', bad),
    });
  }
  for (const mapping of input.mappings.items) {
    if (known.has(mapping.clientId)) continue;
    known.add(mapping.clientId);
    if (!include(mapping.clientId)) continue;
    const base = { clientId: mapping.clientId, managedId: mapping.managedId };
    if (!mapping.enabled) {
      retireOrSkip(mapping.clientId, mapping.managedId, 'disabled', 'mapping is disabled');
      continue;
    }
    const badUsage = badUsageByClient.get(mapping.clientId);
    if (badUsage) {
      settled.push({ ...base, status: 'failed', reason: invalidItemReason('usage', badUsage) });
      continue;
    }
    const item = usageByClient.get(mapping.clientId);
    if (!item) {
      retireOrSkip(mapping.clientId, mapping.managedId, 'noUsage', `no usage recorded for ${period.key}`);
      continue;
    }
    const desired = desiredConfiguration(item, mapping, period);
    const gb = { usageGb: item.billableSpaceGb, billableSpaceGb: desired.billableSpaceGb };
    // The plausibility guard works on the billed value (contract v3), like everything after it.
    if (desired.billableSpaceGb > input.maxBillableSpaceGb) {
      const what = describeBilled(item, mapping);
      settled.push({
        ...base,
        status: 'failed',
        ...gb,
        reason:
          `${what} for ${period.key} is above the account's limit of ${input.maxBillableSpaceGb} GB ` +
          '(maxBillableSpaceGb): check the metering, or raise maxBillableSpaceGb on the account if it is real',
      });
      continue;
    }
    candidates.push({ ...base, clientName: mapping.clientName, ...gb, desired });
  }
  // Mapping removed: the client is known only from what the account owns.
  for (const [clientId, owned] of ownedByClient) {
    if (known.has(clientId) || !include(clientId)) continue;
    known.add(clientId);
    const last = [...owned].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0]!;
    retirements.push({ clientId, managedId: last.managedId, why: 'removed', owned });
  }
  if (input.reportUnknownClients) {
    for (const clientId of wanted ?? []) {
      if (!known.has(clientId) && !input.done?.has(clientId)) {
        settled.push({
          clientId,
          managedId: '',
          status: 'failed',
          reason: 'no mapping for this client in the account',
        });
      }
    }
  }
  return { candidates, retirements, settled };
}
