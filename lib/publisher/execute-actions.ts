import type { ConnectWisePort } from './ports/connectwise.js';
import type { Configuration } from '../connectwise/types.js';
import { RETIRE_REASONS } from '../contract.js';
import type { Period } from '../period.js';
import { describeError, IncompleteActionError } from '../errors.js';
import { MAX_IDENTIFIER_LENGTH } from '../input/schemas.js';
import {
  changesBilling,
  onCompany,
  resultSubject,
  retirementReason,
  type ClientAction,
  type PublishAction,
  type RetireAction,
  type Retirement,
} from './billing-plan.js';
import { createConfiguration, heldPeriod, isActive, patchWithReadBack } from './configuration-sync.js';
import { ownershipLine } from './ownership-line.js';
import type { AccountSetup } from './setup.js';
import type { Account, ClientResult, OwnedConfiguration } from './ports/index.js';

export interface ExecutionContext {
  readonly connectWise: ConnectWisePort;
  readonly account: Account;
  readonly setup: AccountSetup;
  readonly period: Period;
  readonly runId: string;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /** What the account owned before this action (origin is kept when a record is updated). */
  readonly owned: ReadonlyMap<number, OwnedConfiguration>;
}

export interface ActionOutcome {
  readonly result: ClientResult;
  /** Ownership records to write: created, adopted, updated or retired configurations. */
  readonly ownership: readonly OwnedConfiguration[];
}

/** Carries out one client's action. Throws on a ConnectWise error (the caller fails that client only). */
export async function executeAction(action: ClientAction, ctx: ExecutionContext): Promise<ActionOutcome> {
  return action.kind === 'publish' ? executePublish(action, ctx) : executeRetire(action, ctx);
}

function record(
  ctx: ExecutionContext,
  clientId: string,
  managedId: string,
  configuration: Pick<Configuration, 'id'> & { company: { id: number; identifier?: string | undefined } },
  change: { active: boolean; origin?: OwnedConfiguration['origin']; period?: string; retiredReason?: string },
): OwnedConfiguration {
  const before = ctx.owned.get(configuration.id);
  return {
    accountId: ctx.account.accountId,
    clientId,
    configurationId: configuration.id,
    companyId: configuration.company.id,
    companyIdentifier: configuration.company.identifier ?? before?.companyIdentifier,
    managedId,
    origin: change.origin ?? before?.origin ?? 'created',
    active: change.active,
    period: change.period ?? before?.period,
    retiredReason: change.active ? undefined : change.retiredReason,
    retiredPeriod: change.active ? undefined : ctx.period.key,
    updatedAt: ctx.now().toISOString(),
    runId: ctx.runId,
  };
}

/**
 * What the retirements of these actions will record, written before any of them is sent: should the
 * run die between a PATCH and its record, the next run still knows which month stopped the billing
 * ("no going back" keeps working, the month's Ledger keeps the retirement). `active` stays what
 * ConnectWise says until the PATCH lands.
 */
export function retirementIntents(actions: readonly ClientAction[], ctx: ExecutionContext): OwnedConfiguration[] {
  return actions.flatMap((action) => {
    const client = action.kind === 'retire' ? action : action.candidate;
    return action.retire
      .filter((r) => r.patch.length > 0)
      .map((r) => ({
        ...record(ctx, client.clientId, client.managedId, r.configuration, {
          active: false,
          retiredReason: retirementReason(r.why),
        }),
        active: isActive(r.configuration),
      }));
  });
}

/**
 * Retires each configuration. When one fails, the error carries the records of what was done before
 * it (`done`, plus what the caller already wrote), so their ownership is recorded all the same.
 */
async function retireAll(
  ctx: ExecutionContext,
  clientId: string,
  managedId: string,
  retirements: readonly Retirement[],
  doneBefore: readonly OwnedConfiguration[] = [],
): Promise<OwnedConfiguration[]> {
  const records: OwnedConfiguration[] = [];
  for (const r of retirements) {
    const retired = record(ctx, clientId, managedId, r.configuration, {
      active: false,
      retiredReason: retirementReason(r.why),
    });
    try {
      if (r.patch.length > 0) await patchWithReadBack(ctx.connectWise, r.configuration.id, r.patch);
    } catch (error) {
      throw new IncompleteActionError(describeError(error), { done: [...doneBefore, ...records], cause: error });
    }
    records.push(retired);
  }
  return records;
}

async function executePublish(action: PublishAction, ctx: ExecutionContext): Promise<ActionOutcome> {
  const { candidate, company } = action;
  const { period } = ctx;
  let configuration: Configuration;
  let wrote = false;
  let origin: OwnedConfiguration['origin'] | undefined = action.adopt ? 'adopted' : undefined;
  if (!action.keep) {
    configuration = await createConfiguration(
      ctx.connectWise,
      {
        typeName: ctx.account.configurationTypeName,
        knownIds: action.knownIds,
        create: {
          name: (candidate.clientName || candidate.clientId).slice(0, MAX_IDENTIFIER_LENGTH),
          type: { id: ctx.setup.type.id },
          company: { id: company.id },
          deviceIdentifier: candidate.clientId,
          activeFlag: candidate.desired.active,
          backupBillableSpaceGb: candidate.desired.billableSpaceGb,
          backupYear: candidate.desired.year,
          backupMonth: candidate.desired.month,
          vendorNotes: ownershipLine(ctx.account.accountId, candidate.clientId),
          // As ConnectWise's managed-device integrations do for what they add.
          ...(action.createStatus !== undefined ? { status: { id: action.createStatus } } : {}),
        },
      },
      ctx.sleep,
    );
    origin = 'created';
    wrote = true;
  } else if (action.patch.length > 0) {
    configuration = await patchWithReadBack(ctx.connectWise, action.keep.id, action.patch);
    // Adding only the ownership line leaves what is billed as it was: `unchanged`.
    wrote = changesBilling(action.patch);
  } else configuration = action.keep;
  const kept = record(
    ctx,
    candidate.clientId,
    candidate.managedId,
    { id: configuration.id, company: { id: company.id, identifier: company.identifier } },
    {
      active: true,
      // What ConnectWise holds (read back when the answer was unreadable), so "no going back" stays true.
      period: heldPeriod(configuration)?.key ?? period.key,
      ...(origin ? { origin } : {}),
    },
  );
  // Retire what the client no longer needs only once its new configuration bills: never a gap.
  const retired = await retireAll(ctx, candidate.clientId, candidate.managedId, action.retire, [kept]);
  if (action.retire.some((r) => r.patch.length > 0)) wrote = true;
  const retiredIds = action.retire.map((r) => r.configuration.id);
  return {
    result: {
      ...resultSubject(action),
      configurationId: configuration.id,
      status: wrote ? 'published' : 'unchanged',
      ...(retiredIds.length
        ? {
            retiredConfigurationIds: retiredIds,
            reason: action.retire
              .map((r) => `configuration ${r.configuration.id}${onCompany(r)} retired: ${retirementReason(r.why)}`)
              .join('; '),
          }
        : {}),
    },
    ownership: [kept, ...retired],
  };
}

async function executeRetire(action: RetireAction, ctx: ExecutionContext): Promise<ActionOutcome> {
  const ownership = await retireAll(ctx, action.clientId, action.managedId, action.retire);
  const first = action.retire[0]!.configuration;
  return {
    result: {
      ...resultSubject(action),
      status: 'retired',
      reason: `billing stopped: ${RETIRE_REASONS[action.why]}`,
      configurationId: first.id,
      retiredConfigurationIds: action.retire.map((r) => r.configuration.id),
    },
    ownership,
  };
}
