import pLimit from 'p-limit';
import type { ConnectWisePort } from '../connectwise/gateway.js';
import { IncompleteActionError, RunDeadlineError, describeError, serializeError } from '../errors.js';
import type { Period } from '../period.js';
import { dryRunResult, failedResult, planBilling, type ClientAction } from './billing-plan.js';
import { isActive } from './configuration-sync.js';
import { executeAction } from './execute-actions.js';
import { ledgerRow, needsSync, resultFromLedger, summarize } from './outcomes.js';
import { planClients, type Candidate, type ClientPlan, type RetireCandidate } from './plan-clients.js';
import type { Account, AccountSummary, ClientResult, OwnedConfiguration, PublisherDeps, SyncOutcome } from './ports.js';
import { resolveManagedIds } from './resolution.js';
import { loadAccountSetup, primaryManagementSetup, type AccountSetup } from './setup.js';
import { triggerSync } from './sync.js';

/** Asked before any write when a run would retire clients (the CLI's confirmation on a terminal). */
export type ConfirmRetirements = (request: {
  readonly accountId: string;
  readonly period: string;
  readonly retirements: readonly ClientResult[];
}) => Promise<boolean>;

export interface AccountRunOptions {
  readonly runId: string;
  readonly period: Period;
  readonly dryRun: boolean;
  readonly clientIds?: readonly string[] | undefined;
  readonly reportUnknownClients: boolean;
  readonly allowMassRetire?: boolean | undefined;
  readonly allowOlderPeriod?: boolean | undefined;
  readonly rescan?: boolean | undefined;
  /** Epoch ms: stop starting clients after this, and continue in the next invocation. Absent: no deadline. */
  readonly deadlineAt?: number | undefined;
  /** 1 for the first invocation of this account run. */
  readonly invocation?: number | undefined;
  /** Carried from the first invocation: the mass-retirement guard counts at the run's start. */
  readonly ownedActiveAtStart?: number | undefined;
  readonly confirmRetirements?: ConfirmRetirements | undefined;
  /** Another invocation will continue this run if time runs out: keep the account's lock for it. */
  readonly continues?: boolean | undefined;
}

export interface AccountRunOutcome {
  readonly summary: AccountSummary;
  /** False when time ran out: invoke again with the same runId to continue. */
  readonly done: boolean;
  readonly ownedActiveAtStart: number;
  /** Another run holds the account: this one wrote nothing at all. */
  readonly busy?: boolean;
  /** The retirements were not confirmed: nothing at all was written (no Ledger rows, no run record, no event). */
  readonly declined?: boolean;
}

type Deps = Pick<
  PublisherDeps,
  | 'mappings'
  | 'usage'
  | 'ledger'
  | 'ownership'
  | 'resolutionCache'
  | 'runLock'
  | 'secrets'
  | 'connectWise'
  | 'logger'
  | 'progress'
  | 'clock'
  | 'sleep'
>;

/** Time kept back at the end of an invocation to record outcomes and answer. */
const FINISH_RESERVE_MS = 15_000;
/** Clients written at once; the site's request governor paces the requests themselves. */
const CLIENT_CONCURRENCY = 8;
const LOCK_RENEW_MS = 60_000;

type Extra = { syncReason?: string; error?: string };

/** What earlier invocations of this run recorded for the account (its Ledger rows of this runId). */
export async function earlierResults(
  deps: Pick<PublisherDeps, 'ledger'>,
  run: { runId: string; accountId: string; period: string },
): Promise<ClientResult[]> {
  return (await deps.ledger.list(run.accountId, run.period)).filter((e) => e.runId === run.runId).map(resultFromLedger);
}

/**
 * Publishes one account (contract v2): mappings + usage + what the account owns → ConnectWise
 * configurations → one Management sync. Takes the account's run lock first (nothing is written while
 * another run holds it). Each client ends with exactly one outcome, recorded in the Ledger as soon as
 * it is known, so a crash or a continuation loses and duplicates nothing.
 */
export async function publishAccount(
  account: Account,
  deps: Deps,
  options: AccountRunOptions,
): Promise<AccountRunOutcome> {
  const log = deps.logger.child({ accountId: account.accountId, period: options.period.key, runId: options.runId });
  if (!options.dryRun) {
    const busy = await deps.runLock.acquire(account.accountId, options.runId);
    if (busy) {
      const error =
        `another run (${busy.heldBy}, since ${busy.since}) is publishing account ${account.accountId}; nothing was written. ` +
        'Publish again when it has finished (a crashed run frees the account within 5 minutes)';
      log.warn({ heldBy: busy.heldBy }, 'account busy');
      // A continuation that finds the account taken still reports what its earlier invocations did.
      const earlier = options.dryRun
        ? []
        : await earlierResults(deps, {
            runId: options.runId,
            accountId: account.accountId,
            period: options.period.key,
          });
      return {
        summary: summarize(account.accountId, earlier, 'not-needed', 0, { error }),
        done: true,
        ownedActiveAtStart: 0,
        busy: true,
      };
    }
  }
  const run = new AccountRun(account, deps, options, log);
  const renew = options.dryRun
    ? undefined
    : setInterval(() => {
        deps.runLock.acquire(account.accountId, options.runId).then(
          (lost) => {
            // Our lease ran out and another run took the account: start nothing more.
            if (lost) run.stop(`the run lock was taken over by run ${lost.heldBy}`);
          },
          (e: unknown) => log.warn({ err: serializeError(e) }, 'could not renew the run lock'),
        );
      }, LOCK_RENEW_MS);
  renew?.unref();
  let done = true;
  try {
    const outcome = await run.run();
    done = outcome.done;
    return outcome;
  } finally {
    if (renew) clearInterval(renew);
    // A continuation keeps the lock (its lease runs out if the next invocation never comes).
    if (!options.dryRun && (done || !options.continues))
      await deps.runLock.release(account.accountId, options.runId).catch(() => undefined);
  }
}

class AccountRun {
  private readonly results: ClientResult[] = [];
  private connection: ConnectWisePort | undefined;
  private stopped: string | undefined;

  constructor(
    private readonly account: Account,
    private readonly deps: Deps,
    private readonly options: AccountRunOptions,
    private readonly log: Deps['logger'],
  ) {}

  private get requests(): number {
    return this.connection?.requestCount() ?? 0;
  }

  private async connect(): Promise<ConnectWisePort> {
    if (!this.connection) {
      const secret = await this.deps.secrets.load(this.account.secretId);
      this.connection = await this.deps.connectWise(secret, this.account, { deadlineAt: this.options.deadlineAt });
    }
    return this.connection;
  }

  /** Starts no more clients (the run lock was lost). */
  stop(why: string): void {
    this.stopped = why;
    this.log.error({ why }, 'run stopped');
  }

  private timeLeft(): boolean {
    if (this.stopped !== undefined) return false;
    return (
      this.options.deadlineAt === undefined || this.deps.clock().getTime() < this.options.deadlineAt - FINISH_RESERVE_MS
    );
  }

  /** Records outcomes at once (not on a dry run): the Ledger is the run's journal. */
  /** Records held back until the retirements are confirmed (when the caller asks for confirmation). */
  private held: { results: ClientResult[]; ownership: OwnedConfiguration[] } | undefined;

  private async settle(results: readonly ClientResult[], ownership: readonly OwnedConfiguration[] = []): Promise<void> {
    this.results.push(...results);
    if (this.options.dryRun) return;
    if (this.held) {
      this.held.results.push(...results);
      this.held.ownership.push(...ownership);
      return;
    }
    await this.record(results, ownership);
  }

  /** Writes what `settle` held back, once the retirements are confirmed. */
  private async release(): Promise<void> {
    const held = this.held;
    this.held = undefined;
    if (held) await this.record(held.results, held.ownership);
  }

  private async record(results: readonly ClientResult[], ownership: readonly OwnedConfiguration[]): Promise<void> {
    const at = this.deps.clock().toISOString();
    await Promise.all([
      ownership.length ? this.deps.ownership.put(ownership) : undefined,
      results.length
        ? this.deps.ledger.record(
            results.map((r) => ledgerRow(this.account.accountId, this.options.period.key, this.options.runId, at, r)),
          )
        : undefined,
    ]);
  }

  /** The mass-retirement guard's base: counted once, when the run starts (carried by continuations). */
  private ownedActiveAtStart = 0;

  private outcome(done: boolean, sync: SyncOutcome = 'not-needed', extra: Extra = {}): AccountRunOutcome {
    const summary = summarize(this.account.accountId, this.results, sync, this.requests, extra);
    return { summary, done, ownedActiveAtStart: this.ownedActiveAtStart };
  }

  async run(): Promise<AccountRunOutcome> {
    if (this.options.confirmRetirements && !this.options.dryRun) this.held = { results: [], ownership: [] };
    const { owned, plan } = await this.planFromTables();
    try {
      if (plan.candidates.length > 0 || plan.retirements.length > 0) {
        const { setup, actions } = await this.planWithConnectWise(plan, owned);
        if (this.options.dryRun) {
          this.results.push(...actions.map(dryRunResult));
          return this.outcome(true);
        }
        if (!(await this.confirmed(actions))) {
          const retiring = actions.filter((a) => a.kind === 'retire').length;
          const error = `${retiring} retirement(s) not confirmed: nothing was written for this account`;
          this.held = undefined;
          this.results.push(
            ...actions.map((a) => ({
              ...dryRunResult(a),
              status: 'skipped' as const,
              action: undefined,
              reason: 'not confirmed: nothing written',
            })),
          );
          return { ...this.outcome(true, 'not-needed', { error }), declined: true };
        }
        await this.release();
        if (!(await this.execute(actions, setup, owned))) return await this.unfinished();
      }
    } catch (error) {
      if (error instanceof RunDeadlineError) return await this.unfinished();
      return await this.stopAccount(error, [...plan.candidates, ...plan.retirements]);
    }
    await this.release();
    if (this.options.dryRun || !needsSync(this.results)) return this.outcome(true);
    try {
      const sync = await this.triggerSync();
      return this.outcome(true, sync.sync, sync.reason ? { syncReason: sync.reason } : {});
    } catch (error) {
      if (error instanceof RunDeadlineError) return await this.unfinished();
      throw error;
    }
  }

  /** Mappings, usage and what the account owns → who is published, retired or settled at once. */
  private async planFromTables(): Promise<{ owned: OwnedConfiguration[]; plan: ClientPlan }> {
    const { account, deps, options } = this;
    // Always read this run's earlier outcomes: a Step Functions retry of a timed-out invocation repeats
    // the same payload, and what that attempt settled must stand (held retirements stay held).
    const [mappings, usage, owned, fromEarlier] = await Promise.all([
      deps.mappings.listByAccount(account.accountId),
      deps.usage.listByPeriod(account.accountId, options.period),
      deps.ownership.listByAccount(account.accountId),
      options.dryRun
        ? Promise.resolve([])
        : earlierResults(deps, { runId: options.runId, accountId: account.accountId, period: options.period.key }),
    ]);
    for (const bad of mappings.invalid) this.log.warn({ key: bad.key, problems: bad.problems }, 'invalid mapping item');
    for (const bad of usage.invalid) this.log.warn({ key: bad.key, problems: bad.problems }, 'invalid usage item');
    this.results.push(...fromEarlier);
    this.ownedActiveAtStart = options.ownedActiveAtStart ?? owned.filter((o) => o.active).length;
    const plan = planClients({
      mappings,
      usage,
      owned,
      period: options.period,
      clientIds: options.clientIds,
      reportUnknownClients: options.reportUnknownClients,
      maxBillableSpaceGb: account.maxBillableSpaceGb,
      done: new Set(fromEarlier.map((r) => r.clientId)),
    });
    await this.settle(plan.settled);
    return { owned, plan };
  }

  /** What ConnectWise holds now → each client's writes (settling failures and skips at once). */
  private async planWithConnectWise(
    plan: ClientPlan,
    owned: readonly OwnedConfiguration[],
  ): Promise<{ setup: AccountSetup; actions: readonly ClientAction[] }> {
    const { account, deps, options } = this;
    const cw = await this.connect();
    const setup = await loadAccountSetup(cw, account);
    const [listed, managementSetups, cache] = await Promise.all([
      cw.listConfigurations(account.configurationTypeName),
      cw.listManagementSetups(),
      deps.resolutionCache.load(account.accountId),
    ]);
    const configurations = listed.filter((c) => c.type.id === setup.type.id);
    if (options.ownedActiveAtStart === undefined) {
      // What ConnectWise bills, not what the records say (they may lag).
      const billed = new Set(configurations.filter(isActive).map((c) => c.id));
      this.ownedActiveAtStart = owned.filter((o) => billed.has(o.configurationId)).length;
    }
    const wanted = new Set(plan.candidates.map((c) => c.managedId));
    const resolved = await resolveManagedIds(cw, setup.solution, wanted, cache, {
      rescan: options.rescan,
      progress: deps.progress?.(account.accountId),
    });
    if (!options.dryRun) await deps.resolutionCache.save(account.accountId, resolved.found);
    const management = primaryManagementSetup(managementSetups);
    const billing = planBilling({
      period: options.period,
      candidates: plan.candidates,
      retirements: plan.retirements,
      configurations,
      owned,
      companies: resolved.index,
      statuses: {
        added: management?.addedConfigurationStatus?.id,
        deleted: management?.deletedConfigurationStatus?.id,
      },
      managementItName: account.managementItName,
      allowOlderPeriod: options.allowOlderPeriod === true,
      allowMassRetire: options.allowMassRetire === true,
      ownedActiveAtStart: this.ownedActiveAtStart,
    });
    await this.settle(billing.settled, options.dryRun ? [] : billing.stale);
    return { setup, actions: billing.actions };
  }

  /** Asks before stopping anyone's billing, when the caller wants to be asked (the CLI on a terminal). */
  private async confirmed(actions: readonly ClientAction[]): Promise<boolean> {
    const retirements = actions.filter((a) => a.kind === 'retire').map(dryRunResult);
    if (retirements.length === 0 || !this.options.confirmRetirements) return true;
    return this.options.confirmRetirements({
      accountId: this.account.accountId,
      period: this.options.period.key,
      retirements,
    });
  }

  /** Something stopped the whole account (secret, setup, ConnectWise down): every pending client fails with it. */
  private async stopAccount(
    error: unknown,
    pending: readonly (Candidate | RetireCandidate)[],
  ): Promise<AccountRunOutcome> {
    await this.release();
    const reason = describeError(error);
    this.log.error({ err: serializeError(error) }, 'account publish stopped');
    const open = pending.filter((c) => !this.results.some((r) => r.clientId === c.clientId));
    await this.settle(
      open.map((c) => ({
        clientId: c.clientId,
        managedId: c.managedId,
        status: 'failed' as const,
        reason,
        ...('billableSpaceGb' in c ? { billableSpaceGb: c.billableSpaceGb } : {}),
      })),
    );
    return this.outcome(true, 'not-needed', { error: reason });
  }

  /**
   * Time ran out (or the lock was lost). When no other invocation continues this run, what it changed
   * is still synced now, in the reserve kept for it, so a retired client stops being billed.
   */
  private async unfinished(): Promise<AccountRunOutcome> {
    await this.release();
    const error = this.stopped;
    if (this.options.continues && error === undefined) return this.outcome(false);
    if (!needsSync(this.results)) return this.outcome(false, 'not-needed', error ? { error } : {});
    try {
      const sync = await this.triggerSync();
      return this.outcome(false, sync.sync, {
        ...(sync.reason ? { syncReason: sync.reason } : {}),
        ...(error ? { error } : {}),
      });
    } catch {
      return this.outcome(false, 'failed', {
        syncReason: 'the run ran out of time before the Management sync',
        ...(error ? { error } : {}),
      });
    }
  }

  /** Runs the actions, bounded; returns false when the deadline stopped it before the end. */
  private async execute(
    actions: readonly ClientAction[],
    setup: AccountSetup,
    owned: readonly OwnedConfiguration[],
  ): Promise<boolean> {
    const { account, deps, options } = this;
    const cw = await this.connect();
    const ownedNow = new Map(owned.map((o) => [o.configurationId, o]));
    const progress = deps.progress?.(account.accountId);
    progress?.start(actions.length, `${account.accountId}: publishing`);
    const limit = pLimit(CLIENT_CONCURRENCY);
    let deferred = 0;
    try {
      await Promise.all(
        actions.map((action) =>
          limit(async () => {
            if (!this.timeLeft()) {
              deferred++;
              return;
            }
            try {
              const done = await executeAction(action, {
                connectWise: cw,
                account,
                setup,
                period: options.period,
                runId: options.runId,
                now: deps.clock,
                sleep: deps.sleep,
                owned: ownedNow,
              });
              await this.settle([done.result], done.ownership);
            } catch (error) {
              if (error instanceof RunDeadlineError) {
                deferred++;
                return;
              }
              // What was written before the failure stays owned (a move's new configuration above all).
              const done = error instanceof IncompleteActionError ? (error.done as OwnedConfiguration[]) : [];
              await this.settle([failedResult(action, describeError(error))], done);
            } finally {
              progress?.increment();
            }
          }),
        ),
      );
    } finally {
      progress?.stop();
    }
    if (deferred > 0) this.log.info({ deferred }, 'time is up for this invocation; the rest continues in the next one');
    return deferred === 0;
  }

  private async triggerSync(): Promise<{ sync: SyncOutcome; reason?: string }> {
    // One request, but ConnectWise may take a while to answer it: the terminal shows it is under way.
    const progress = this.deps.progress?.(this.account.accountId);
    progress?.start(1, 'Management sync');
    try {
      return await triggerSync(() => this.connect(), this.log);
    } finally {
      progress?.stop();
    }
  }
}
