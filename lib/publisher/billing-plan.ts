import type { Company, Configuration, PatchOperation } from '../connectwise/types.js';
import { HELD_RETIREMENT_PREFIX, massRetirementThreshold, RETIRE_REASONS, type RetireReason } from '../contract.js';
import type { Period } from '../period.js';
import { isActive, laterPeriodHeld, patchFor, retirePatch, type ManagedStatuses } from './configuration-sync.js';
import type { Candidate, RetireCandidate } from './plan-clients.js';
import { notesWithOwnershipLine } from './ownership-line.js';
import type { ClientResult, OwnedConfiguration } from './ports/index.js';
import type { CompanyIndex } from './resolution.js';

/** Why a configuration stops being billed, beyond the contract's per-client reasons. */
export type RetireWhy = RetireReason | 'duplicate';

export interface Retirement {
  readonly configuration: Configuration;
  readonly why: RetireWhy;
  readonly patch: readonly PatchOperation[];
  /** Its company's identifier as last recorded (reports name the company, not only its id). */
  readonly companyIdentifier?: string | undefined;
}

/** What one client's publish will do in ConnectWise. */
export interface PublishAction {
  readonly kind: 'publish';
  readonly candidate: Candidate;
  readonly company: Company;
  /** The configuration to keep (owned, or adopted when `adopt`); absent → create one. */
  readonly keep?: Configuration | undefined;
  readonly adopt: boolean;
  readonly patch: readonly PatchOperation[];
  /** Owned configurations the client no longer needs: on another company (moved), or duplicates. */
  readonly retire: readonly Retirement[];
  /** The status a created configuration gets (the Management record's addedConfigurationStatus). */
  readonly createStatus?: number | undefined;
  /** Ids of the client's configurations on the company now (to recognise our own create after a lost answer). */
  readonly knownIds: ReadonlySet<number>;
}

/** A client that stops being billed: each of its owned active configurations is retired. */
export interface RetireAction {
  readonly kind: 'retire';
  readonly clientId: string;
  readonly managedId: string;
  readonly why: RetireReason;
  readonly retire: readonly Retirement[];
}

export type ClientAction = PublishAction | RetireAction;

export interface BillingPlan {
  readonly actions: readonly ClientAction[];
  /** Outcomes decided here without writing: failures, skips, and (on a dry run) the planned ones. */
  readonly settled: readonly ClientResult[];
  /** Ownership records to correct to what ConnectWise says (active or not): the records may lag. */
  readonly stale: readonly OwnedConfiguration[];
}

/** The month's mass-retirement record (contract v3: the guard counts the month, not the run). */
export interface GuardState {
  /** Owned active configurations when the period's first run started. */
  readonly base: number;
  /** Clients already retired this period for missing usage or a removed mapping. */
  readonly retiredBefore: ReadonlySet<string>;
}

export interface BillingPlanInput {
  readonly accountId: string;
  readonly dryRun: boolean;
  readonly period: Period;
  readonly candidates: readonly Candidate[];
  readonly retirements: readonly RetireCandidate[];
  /** Every configuration of the account's type (by type id), as ConnectWise lists them now. */
  readonly configurations: readonly Configuration[];
  readonly owned: readonly OwnedConfiguration[];
  readonly companies: CompanyIndex;
  readonly statuses: ManagedStatuses;
  readonly managementItName: string;
  readonly allowOlderPeriod: boolean;
  readonly allowMassRetire: boolean;
  readonly guard: GuardState;
}

/** The patch plus the ownership line when the configuration lacks it (other vendors' notes kept). */
function withOwnershipLine(
  patch: readonly PatchOperation[],
  configuration: Configuration,
  accountId: string,
  clientId: string,
): PatchOperation[] {
  const notes = notesWithOwnershipLine(configuration.vendorNotes, accountId, clientId);
  return notes === undefined ? [...patch] : [...patch, { op: 'replace', path: 'vendorNotes', value: notes }];
}

/**
 * The kept configuration's patch. An adopted one always gets the ownership line; one the product already
 * owns gets it with its next change of values (no write only for the line: the Ledger knows it already).
 */
function keepPatch(
  keep: Configuration,
  patch: readonly PatchOperation[],
  adopt: boolean,
  accountId: string,
  candidate: Candidate,
): PatchOperation[] {
  return adopt || patch.length > 0 ? withOwnershipLine(patch, keep, accountId, candidate.clientId) : [...patch];
}

/** Whether a patch changes what is billed (the ownership line alone does not). */
export function changesBilling(patch: readonly PatchOperation[]): boolean {
  return patch.some((op) => op.path !== 'vendorNotes');
}

/** Retirement reasons the month's guard counts: a truncated usage or mappings table looks like either. */
const GUARDED: ReadonlySet<RetireReason> = new Set(['noUsage', 'removed']);
export const isGuardedRetirement = (why: RetireReason): boolean => GUARDED.has(why);

const byId = (a: Configuration, b: Configuration) => a.id - b.id;
const activeFirst = (a: Configuration, b: Configuration) => Number(!isActive(a)) - Number(!isActive(b)) || byId(a, b);

export function retirementReason(why: RetireWhy): string {
  return why === 'duplicate' ? 'a duplicate of the configuration kept for the client' : RETIRE_REASONS[why];
}

function olderPeriodReason(held: Period, period: Period): string {
  return (
    `its configuration holds ${held.key}, later than ${period.key}: a run never writes an older month over a newer one ` +
    '(re-run with --allow-older-period, allowOlderPeriod: true, if you really mean to go back)'
  );
}

/**
 * Pure: from what ConnectWise holds now and what the account owns, decides each client's writes.
 * Only owned configurations are written; a client's first publish on a company adopts the oldest
 * active configuration of the type with its client id there; nothing is ever deleted.
 */
export function planBilling(input: BillingPlanInput): BillingPlan {
  const ownedIds = new Map<number, OwnedConfiguration>();
  for (const o of input.owned) ownedIds.set(o.configurationId, o);
  const byClient = new Map<string, Configuration[]>();
  for (const c of input.configurations) {
    if (!c.deviceIdentifier) continue;
    byClient.set(c.deviceIdentifier, [...(byClient.get(c.deviceIdentifier) ?? []), c]);
  }
  const listed = new Map(input.configurations.map((c) => [c.id, c]));
  const actions: ClientAction[] = [];
  const settled: ClientResult[] = [];

  for (const candidate of input.candidates) {
    const decided = planPublish(candidate, byClient.get(candidate.clientId) ?? [], ownedIds, input);
    if ('kind' in decided) actions.push(decided);
    else settled.push(decided);
  }

  const guarded: RetireAction[] = [];
  for (const r of input.retirements) {
    const targets = r.owned
      .map((o) => listed.get(o.configurationId))
      .filter((c): c is Configuration => c !== undefined && isActive(c))
      .sort(byId);
    const base = { clientId: r.clientId, managedId: r.managedId };
    // Retired by an earlier run of this period (one that crashed before its Ledger row): still the
    // month's retirement, so the Ledger and the sync keep it.
    const retiredNow = r.owned.filter((o) => {
      const c = listed.get(o.configurationId);
      return o.retiredPeriod === input.period.key && c !== undefined && !isActive(c);
    });
    if (targets.length === 0 && retiredNow.length > 0) {
      settled.push({
        ...base,
        // A dry run changes nothing: it says what stands.
        ...(input.dryRun
          ? { status: 'skipped' as const, reason: `billing already stopped this period: ${RETIRE_REASONS[r.why]}` }
          : {
              status: 'retired' as const,
              reason: `billing stopped: ${RETIRE_REASONS[r.why]}`,
              carriedOver: true as const,
            }),
        companyId: listed.get(retiredNow[0]!.configurationId)!.company.id,
        ...(retiredNow[0]!.companyIdentifier ? { companyIdentifier: retiredNow[0]!.companyIdentifier } : {}),
        configurationId: retiredNow[0]!.configurationId,
        retiredConfigurationIds: retiredNow.map((o) => o.configurationId),
      });
      continue;
    }
    if (targets.length === 0) {
      // A removed client that bills nothing is history: no result. The others are reported as skipped.
      if (r.why !== 'removed')
        settled.push({
          ...base,
          status: 'skipped',
          reason: `${RETIRE_REASONS[r.why]}; nothing of it is billed in ConnectWise`,
        });
      continue;
    }
    const later = targets.map((c) => laterPeriodHeld(c, input.period)).find((p) => p !== undefined);
    if (later && !input.allowOlderPeriod) {
      settled.push({ ...base, status: 'failed', reason: `not retired: ${olderPeriodReason(later, input.period)}` });
      continue;
    }
    const action: RetireAction = {
      kind: 'retire',
      ...base,
      why: r.why,
      retire: targets.map((configuration) => {
        const patch = retirePatch(configuration, input.statuses);
        return {
          configuration,
          why: r.why,
          patch: patch.length ? withOwnershipLine(patch, configuration, input.accountId, r.clientId) : patch,
          companyIdentifier: ownedIds.get(configuration.id)?.companyIdentifier,
        };
      }),
    };
    if (isGuardedRetirement(r.why)) guarded.push(action);
    else actions.push(action);
  }
  settled.push(...holdMassRetirements(guarded, input, actions));

  // Records out of step with ConnectWise (a configuration gone or deactivated by hand, or a write whose
  // record failed): corrected, so verify and the next run read the truth.
  const stale = input.owned.flatMap((o) => {
    const now = listed.get(o.configurationId);
    const billed = now !== undefined && isActive(now);
    if (billed === o.active) return [];
    return [
      {
        ...o,
        active: billed,
        retiredReason: billed ? undefined : (o.retiredReason ?? 'no longer active in ConnectWise'),
      },
    ];
  });
  return { actions, settled, stale };
}

/**
 * The mass-retirement guard (contract v3): retirements for missing usage and removed mappings count
 * together across every run of the period, against the base stored by its first run. Past
 * max(2, 20 %), this run's ones are held (failed, nothing changed); the rest go to `actions`.
 */
function holdMassRetirements(
  guarded: readonly RetireAction[],
  input: BillingPlanInput,
  actions: ClientAction[],
): ClientResult[] {
  const { base, retiredBefore } = input.guard;
  const before = [...retiredBefore].filter((c) => !guarded.some((a) => a.clientId === c)).length;
  const total = before + guarded.length;
  const threshold = massRetirementThreshold(base);
  if (guarded.length === 0 || total <= threshold || input.allowMassRetire) {
    actions.push(...guarded);
    return [];
  }
  const noUsage = guarded.filter((a) => a.why === 'noUsage').length;
  const earlier = before ? ` (${before} of them by earlier runs of the month)` : '';
  return guarded.map((a) => ({
    clientId: a.clientId,
    managedId: a.managedId,
    status: 'failed' as const,
    reason:
      `${HELD_RETIREMENT_PREFIX} ${total} of the account's ${base} billed configurations would stop billing for ` +
      `${input.period.key}${earlier}, ${noUsage} of this run's for missing usage and ${guarded.length - noUsage} ` +
      `for removed mappings (more than ${threshold} in a month), which usually means the usage or mappings ` +
      'table is incomplete; nothing was changed for this client. Fix the data and publish again, or, if these ' +
      'clients really stopped, re-run with --allow-mass-retire (allowMassRetire: true)',
  }));
}

function planPublish(
  candidate: Candidate,
  clientConfigs: readonly Configuration[],
  ownedIds: ReadonlyMap<number, OwnedConfiguration>,
  input: BillingPlanInput,
): PublishAction | ClientResult {
  const base = {
    clientId: candidate.clientId,
    managedId: candidate.managedId,
    usageGb: candidate.usageGb,
    billableSpaceGb: candidate.billableSpaceGb,
  };
  const matches = input.companies.get(candidate.managedId) ?? [];
  if (matches.length === 0) {
    return {
      ...base,
      status: 'failed',
      reason: `Managed ID "${candidate.managedId}" is not on any company's Management tab for solution "${input.managementItName}"`,
    };
  }
  if (matches.length > 1) {
    return {
      ...base,
      status: 'failed',
      reason:
        `Managed ID "${candidate.managedId}" is on ${matches.length} companies ` +
        `(${matches.map((c) => c.identifier).join(', ')}); it must be on exactly one`,
    };
  }
  const company = matches[0]!;
  const where = { companyId: company.id, companyIdentifier: company.identifier };
  const owned = clientConfigs.filter((c) => ownedIds.has(c.id));
  const ownedHere = owned.filter((c) => c.company.id === company.id).sort(activeFirst);
  let keep: Configuration | undefined = ownedHere[0];
  let adopt = false;
  if (!keep) {
    // First publish of this client on this company: adopt the oldest active configuration there.
    keep = clientConfigs.filter((c) => c.company.id === company.id && !ownedIds.has(c.id) && isActive(c)).sort(byId)[0];
    adopt = keep !== undefined;
  }
  const retire: Retirement[] = [
    ...ownedHere
      .slice(1)
      .filter(isActive)
      .map((configuration) => ({ configuration, why: 'duplicate' as const })),
    ...owned
      .filter((c) => c.company.id !== company.id && isActive(c))
      .map((configuration) => ({ configuration, why: 'moved' as const })),
  ].map((r) => ({
    ...r,
    patch: withOwnershipLine(
      retirePatch(r.configuration, input.statuses),
      r.configuration,
      input.accountId,
      candidate.clientId,
    ),
    companyIdentifier: ownedIds.get(r.configuration.id)?.companyIdentifier,
  }));

  if (!input.allowOlderPeriod) {
    for (const touched of [keep, ...retire.map((r) => r.configuration)]) {
      const later = touched && laterPeriodHeld(touched, input.period);
      if (later) return { ...base, ...where, status: 'failed', reason: olderPeriodReason(later, input.period) };
    }
    // Billing stopped by a later period's run (a retirement) is a later month's decision too: a run for
    // an older period must not bring the configuration back.
    const stoppedLater = keep && !isActive(keep) ? ownedIds.get(keep.id)?.retiredPeriod : undefined;
    if (stoppedLater !== undefined && stoppedLater > input.period.key) {
      return {
        ...base,
        ...where,
        status: 'failed',
        reason:
          `its billing was stopped by the run for ${stoppedLater}, later than ${input.period.key}: a run never undoes a ` +
          "later month's decision (re-run with --allow-older-period, allowOlderPeriod: true, if you really mean to go back)",
      };
    }
  }
  return {
    kind: 'publish',
    candidate,
    company,
    keep,
    adopt,
    patch: keep
      ? keepPatch(keep, patchFor(keep, candidate.desired, input.statuses), adopt, input.accountId, candidate)
      : [],
    createStatus: input.statuses.added,
    retire,
    knownIds: new Set(clientConfigs.filter((c) => c.company.id === company.id).map((c) => c.id)),
  };
}

/** " on company Northwind" (or its id when its identifier was never recorded). */
export function onCompany(r: Retirement): string {
  return ` on company ${r.companyIdentifier ?? `#${r.configuration.company.id}`}`;
}

/** Whether a publish action writes anything to ConnectWise. */
export function publishWrites(action: PublishAction): boolean {
  return !action.keep || changesBilling(action.patch) || action.retire.some((r) => r.patch.length > 0);
}

type ResultSubject = Pick<
  ClientResult,
  'clientId' | 'managedId' | 'usageGb' | 'billableSpaceGb' | 'companyId' | 'companyIdentifier' | 'companyName'
>;

/** Whom a result of the action is about: the client, and for a publish also its GB and company. */
export function resultSubject(action: ClientAction): ResultSubject {
  if (action.kind === 'retire') {
    const first = action.retire[0];
    return {
      clientId: action.clientId,
      managedId: action.managedId,
      ...(first ? { companyId: first.configuration.company.id } : {}),
      ...(first?.companyIdentifier ? { companyIdentifier: first.companyIdentifier } : {}),
    };
  }
  const { candidate, company } = action;
  return {
    clientId: candidate.clientId,
    managedId: candidate.managedId,
    usageGb: candidate.usageGb,
    billableSpaceGb: candidate.billableSpaceGb,
    companyId: company.id,
    companyIdentifier: company.identifier,
    ...(company.name ? { companyName: company.name } : {}),
  };
}

/** What a dry run reports for an action: `planned` with what it would do, or `unchanged`. */
export function dryRunResult(action: ClientAction): ClientResult {
  if (action.kind === 'retire') {
    return {
      ...resultSubject(action),
      status: 'planned',
      action: 'retire',
      reason: `would stop billing: ${RETIRE_REASONS[action.why]}`,
      configurationId: action.retire[0]!.configuration.id,
      retiredConfigurationIds: action.retire.map((r) => r.configuration.id),
    };
  }
  const { keep } = action;
  const retired = action.retire.map((r) => r.configuration.id);
  return {
    ...resultSubject(action),
    ...(keep ? { configurationId: keep.id } : {}),
    ...(retired.length ? { retiredConfigurationIds: retired } : {}),
    ...(publishWrites(action)
      ? { status: 'planned' as const, action: 'publish' as const }
      : { status: 'unchanged' as const }),
    ...(action.retire.length
      ? {
          reason: action.retire
            .map(
              (r) =>
                `would stop billing configuration ${r.configuration.id}${onCompany(r)}: ${retirementReason(r.why)}`,
            )
            .join('; '),
        }
      : {}),
  };
}

/** The result of an action that ConnectWise refused: that client fails, with the cause. */
export function failedResult(action: ClientAction, reason: string): ClientResult {
  return {
    ...resultSubject(action),
    status: 'failed',
    reason: action.kind === 'retire' ? `could not stop billing (${RETIRE_REASONS[action.why]}): ${reason}` : reason,
  };
}
