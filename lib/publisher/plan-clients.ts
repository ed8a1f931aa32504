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

/** The plan being built, and what each step of planClients reads. */
interface Planning {
  readonly input: PlanInput;
  readonly include: (clientId: string) => boolean;
  /** Clients decided so far: one decision per client, first come first served. */
  readonly known: Set<string>;
  readonly settled: ClientResult[];
  readonly candidates: Candidate[];
  readonly retirements: RetireCandidate[];
  readonly ownedByClient: ReadonlyMap<string, OwnedConfiguration[]>;
  readonly usageByClient: ReadonlyMap<string, UsageItem>;
  readonly badUsageByClient: ReadonlyMap<string, InvalidItem>;
}

/**
 * Pure: decides from mappings, usage and what the account owns which clients are published, which must
 * stop being billed (disabled, removed, no usage) and which are settled at once. A failed client
 * (invalid item, implausible usage) is never retired: what it is billed stays until the cause is fixed.
 */
export function planClients(input: PlanInput): ClientPlan {
  const wanted = input.clientIds ? new Set(input.clientIds) : undefined;
  const p: Planning = {
    input,
    include: (clientId) => (wanted === undefined || wanted.has(clientId)) && !input.done?.has(clientId),
    known: new Set<string>(),
    settled: [],
    candidates: [],
    retirements: [],
    ownedByClient: ownedByClient(input.owned),
    usageByClient: new Map(input.usage.items.map((u) => [u.clientId, u])),
    badUsageByClient: badUsageByClient(input.usage.invalid, input.period),
  };
  settleInvalidItems(p);
  for (const mapping of input.mappings.items) {
    if (decideOnce(p, mapping.clientId)) planMapping(p, mapping);
  }
  // Mapping removed: the client is known only from what the account owns.
  for (const [clientId, owned] of p.ownedByClient) {
    if (p.known.has(clientId) || !p.include(clientId)) continue;
    p.known.add(clientId);
    const last = [...owned].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0]!;
    p.retirements.push({ clientId, managedId: last.managedId, why: 'removed', owned });
  }
  if (input.reportUnknownClients) {
    for (const clientId of wanted ?? []) {
      if (!p.known.has(clientId) && !input.done?.has(clientId)) {
        p.settled.push({
          clientId,
          managedId: '',
          status: 'failed',
          reason: 'no mapping for this client in the account',
        });
      }
    }
  }
  return { candidates: p.candidates, retirements: p.retirements, settled: p.settled };
}

/**
 * Every owned configuration, retired ones too: a record can say "retired" while ConnectWise still
 * bills it (a write that landed after its record failed), and only ConnectWise's flag is the truth.
 */
function ownedByClient(owned: readonly OwnedConfiguration[]): Map<string, OwnedConfiguration[]> {
  const byClient = new Map<string, OwnedConfiguration[]>();
  for (const o of owned) byClient.set(o.clientId, [...(byClient.get(o.clientId) ?? []), o]);
  return byClient;
}

function badUsageByClient(invalid: readonly InvalidItem[], period: Period): Map<string, InvalidItem> {
  const byClient = new Map<string, InvalidItem>();
  for (const bad of invalid) {
    const clientId = bad.key.usageKey?.slice(period.key.length + 1);
    if (clientId) byClient.set(clientId, bad);
  }
  return byClient;
}

/** Marks the client decided; true when it was not yet and this run includes it. */
function decideOnce(p: Planning, clientId: string): boolean {
  if (p.known.has(clientId)) return false;
  p.known.add(clientId);
  return p.include(clientId);
}

/** Clients whose ownership record or mapping cannot be read fail, before anything is planned for them. */
function settleInvalidItems(p: Planning): void {
  // Planning such a client without the record could create a second configuration or leave one billed.
  for (const bad of p.input.ownedInvalid ?? []) {
    const clientId = bad.key.clientId ?? '';
    if (!decideOnce(p, clientId)) continue;
    const mapping = p.input.mappings.items.find((m) => m.clientId === clientId);
    p.settled.push({
      clientId,
      managedId: mapping?.managedId ?? '',
      status: 'failed',
      reason: `${invalidItemReason('ownership', bad)}; fix the record in the Ledger table (or delete it), then publish again`,
    });
  }
  for (const bad of p.input.mappings.invalid) {
    const clientId = bad.key.clientId ?? '';
    if (!decideOnce(p, clientId)) continue;
    p.settled.push({
      clientId,
      managedId: bad.key.managedId ?? '',
      status: 'failed',
      reason: invalidItemReason('mapping', bad),
    });
  }
}

/** Retires what the client still owns, or skips it when it owns nothing. */
function retireOrSkip(p: Planning, mapping: Mapping, why: RetireReason, skipReason: string): void {
  const { clientId, managedId } = mapping;
  const owned = p.ownedByClient.get(clientId);
  if (owned?.length) p.retirements.push({ clientId, managedId, why, owned });
  else p.settled.push({ clientId, managedId, status: 'skipped', reason: skipReason });
}

/** One mapped client: retire or skip (disabled, no usage), fail (bad usage, implausible), or publish. */
function planMapping(p: Planning, mapping: Mapping): void {
  const { period, maxBillableSpaceGb } = p.input;
  const base = { clientId: mapping.clientId, managedId: mapping.managedId };
  if (!mapping.enabled) return retireOrSkip(p, mapping, 'disabled', 'mapping is disabled');
  const badUsage = p.badUsageByClient.get(mapping.clientId);
  if (badUsage) {
    p.settled.push({ ...base, status: 'failed', reason: invalidItemReason('usage', badUsage) });
    return;
  }
  const item = p.usageByClient.get(mapping.clientId);
  if (!item) return retireOrSkip(p, mapping, 'noUsage', `no usage recorded for ${period.key}`);
  const desired = desiredConfiguration(item, mapping, period);
  const gb = { usageGb: item.billableSpaceGb, billableSpaceGb: desired.billableSpaceGb };
  // The plausibility guard works on the billed value (contract v3), like everything after it.
  if (desired.billableSpaceGb > maxBillableSpaceGb) {
    const what = describeBilled(item, mapping);
    p.settled.push({
      ...base,
      status: 'failed',
      ...gb,
      reason:
        `${what} for ${period.key} is above the account's limit of ${maxBillableSpaceGb} GB ` +
        '(maxBillableSpaceGb): check the metering, or raise maxBillableSpaceGb on the account if it is real',
    });
    return;
  }
  p.candidates.push({ ...base, clientName: mapping.clientName, ...gb, desired });
}
