import pLimit from 'p-limit';
import type { ConnectWisePort } from './ports/connectwise.js';
import type { Configuration, ManagementSetup } from '../connectwise/types.js';
import { IncompleteActionError, RunDeadlineError, RunLockLostError, describeError, serializeError } from '../errors.js';
import type { Period } from '../period.js';
import type { CarriedOptions } from '../records/run-options.js';
import {
  dryRunResult,
  failedResult,
  isGuardedRetirement,
  planBilling,
  publishWrites,
  type ClientAction,
  type GuardState,
} from './billing-plan.js';
import { isActive } from './configuration-sync.js';
import { executeAction, retirementIntents } from './execute-actions.js';
import { ledgerRow, needsSync, resultFromLedger, summarize } from './outcomes.js';
import { recoverOwnership } from './recover-ownership.js';
import { planClients, type Candidate, type ClientPlan, type RetireCandidate } from './plan-clients.js';
import type {
  Account,
  AccountSummary,
  ClientResult,
  InvalidItem,
  OwnedConfiguration,
  PublisherDeps,
  SyncOutcome,
} from './ports/index.js';
import { resolveManagedIds } from './resolution.js';
import { loadAccountSetup, primaryManagementSetup, type AccountSetup } from './setup.js';
import { triggerOwedSync, triggerSync } from './sync.js';
import { finishReserveMs, noProgressReason } from './time-budget.js';
import { guardWrites, WRITE_LEASE_MARGIN_MS } from './write-gate.js';

/** Asked before any write when a run would retire clients (the CLI's confirmation on a terminal). */
export type ConfirmRetirements = (request: {
  readonly accountId: string;
  readonly period: string;
  readonly retirements: readonly ClientResult[];
}) => Promise<boolean>;

/** The run's carried options (lib/records/run-options.ts) and this invocation's own. */
export interface AccountRunOptions extends Partial<CarriedOptions> {
  readonly runId: string;
  readonly period: Period;
  readonly dryRun: boolean;
  readonly reportUnknownClients: boolean;
  /** Epoch ms: stop starting clients after this, and continue in the next invocation. Absent: no deadline. */
  readonly deadlineAt?: number | undefined;
  /** 1 for the first invocation of this account run. */
  readonly invocation?: number | undefined;
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
  /**
   * Whether this invocation recorded anything (a client's outcome, Management tabs read, the sync), and
   * when it did not, why (contract v3: no invocation ends without progress or a failure that names why).
   */
  readonly progress?: { readonly made: boolean; readonly reason?: string; readonly hopeless?: boolean };
}

type Deps = Pick<
  PublisherDeps,
  | 'mappings'
  | 'usage'
  | 'ledger'
  | 'ownership'
  | 'accountState'
  | 'resolutionCache'
  | 'runJournal'
  | 'runLock'
  | 'secrets'
  | 'connectWise'
  | 'logger'
  | 'progress'
  | 'clock'
  | 'sleep'
>;

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
  const takenAt = deps.clock().getTime();
  if (!options.dryRun) {
    const busy = await deps.runLock.acquire(account.accountId, options.runId);
    if (busy) {
      log.warn({ heldBy: busy.heldBy }, 'account busy');
      // A continuation that finds the account taken still reports what its earlier invocations did.
      const earlier = await earlierResults(deps, {
        runId: options.runId,
        accountId: account.accountId,
        period: options.period.key,
      });
      const wrote = earlier.length > 0;
      const error =
        `another run (${busy.heldBy}, since ${busy.since}) is publishing account ${account.accountId}; ` +
        `nothing${wrote ? ' more' : ''} was written. ` +
        'Publish again when it has finished (a crashed run frees the account within 5 minutes)';
      // What earlier invocations changed keeps the sync owed: the run holding the account triggers it.
      const sync = wrote && needsSync(earlier) ? { syncReason: 'left to the run that holds the account (owed)' } : {};
      return {
        summary: summarize(account.accountId, earlier, 'not-needed', 0, { error, ...sync }),
        done: true,
        ownedActiveAtStart: 0,
        // Busy with nothing of its own: no run record. A continuation that wrote keeps its record.
        busy: !wrote,
      };
    }
  }
  const run = new AccountRun(account, deps, options, log, takenAt + deps.runLock.leaseMs);
  const renew = options.dryRun
    ? undefined
    : setInterval(() => {
        const at = deps.clock().getTime();
        // Renew only: a lock lost once (another run took it, even after our lease ran out) is never re-taken.
        deps.runLock.renew(account.accountId, options.runId).then(
          (held) => (held ? run.leaseRenewed(at) : run.stop("another run took over the account's lock")),
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

/**
 * The end of an account run that failed for good (the state machine caught it): what its earlier
 * invocations did is reported and synced — a client they retired stops being billed now, not at next
 * month's run — with the error; the lock is released. The caller records the run and sends the event.
 */
export async function finishFailedAccountRun(
  account: Account,
  deps: Deps,
  options: AccountRunOptions,
  error: string,
): Promise<AccountRunOutcome> {
  const log = deps.logger.child({ accountId: account.accountId, period: options.period.key, runId: options.runId });
  try {
    return await new AccountRun(account, deps, options, log, undefined).finishFailed(error);
  } finally {
    if (!options.dryRun) await deps.runLock.release(account.accountId, options.runId).catch(() => undefined);
  }
}

class AccountRun {
  private readonly results: ClientResult[] = [];
  private connection: ConnectWisePort | undefined;
  private stopped: string | undefined;
  /** Time until the deadline when the run started, and the part of it kept to record and answer. */
  private readonly budgetMs: number;
  private readonly reserveMs: number;
  /** Outcomes and Management tabs this invocation recorded (its progress), and the deadline that stopped it. */
  private recorded = 0;
  private deadline: string | undefined;

  /** A sync owed by an earlier run (read when the run starts), and whether this run changed anything. */
  private owedSince: string | undefined;
  private owing: Promise<void> | undefined;
  private owed = false;

  constructor(
    private readonly account: Account,
    private readonly deps: Deps,
    private readonly options: AccountRunOptions,
    private readonly log: Deps['logger'],
    /**
     * Epoch ms (the run's clock) until which its lease is known to hold. Undefined for a failed run's last
     * word: it changes nothing, and its sync (idempotent, harmless beside another run's) needs no lease.
     */
    private leaseUntil: number | undefined,
  ) {
    this.budgetMs =
      options.deadlineAt === undefined ? Number.POSITIVE_INFINITY : options.deadlineAt - deps.clock().getTime();
    this.reserveMs = finishReserveMs(this.budgetMs);
  }

  private get requests(): number {
    return this.connection?.requestCount() ?? 0;
  }

  /** The account's connection; every write goes through the lease check and marks the sync owed. */
  private async connect(): Promise<ConnectWisePort> {
    if (!this.connection) {
      const secret = await this.deps.secrets.load(this.account.secretId);
      const raw = await this.deps.connectWise(secret, this.account, { deadlineAt: this.options.deadlineAt });
      this.connection = guardWrites(raw, {
        beforeWrite: () => this.beforeWrite(true),
        beforeSync: () => this.beforeWrite(false),
      });
    }
    return this.connection;
  }

  /** Starts no more clients (the run lock was lost). */
  stop(why: string): void {
    this.stopped ??= why;
    this.log.error({ why }, 'run stopped');
  }

  leaseRenewed(at: number): void {
    this.leaseUntil = Math.max(this.leaseUntil ?? 0, at + this.deps.runLock.leaseMs);
  }

  /**
   * Contract v3 "a run that lost its lock stops writing": before each write the run must still hold the
   * account with more lease left than one request can take (renewing when short); else it stops. A
   * change also makes the sync owed, recorded before the change reaches ConnectWise.
   */
  private beforeWrite(change: boolean): Promise<void> | undefined {
    if (this.options.dryRun) throw new Error('a dry run never writes to ConnectWise');
    if (this.stopped !== undefined) throw new RunLockLostError(this.stopped);
    if (this.leaseUntil === undefined) {
      if (change) throw new RunLockLostError('a failed run only finishes: it changes no configuration');
      return undefined;
    }
    const owing = change ? this.markOwed() : undefined;
    const at = this.deps.clock().getTime();
    if (this.leaseUntil - at > WRITE_LEASE_MARGIN_MS) return owing;
    return (async () => {
      const held = await this.deps.runLock.renew(this.account.accountId, this.options.runId).catch(() => false);
      if (held) this.leaseRenewed(at);
      if (!held || (this.leaseUntil ?? 0) - this.deps.clock().getTime() <= WRITE_LEASE_MARGIN_MS) {
        this.stop(
          held
            ? 'the run lock could not be renewed in time'
            : 'the run lost its lock on the account (its lease ran out and another run may have taken it)',
        );
        throw new RunLockLostError(`${this.stopped!}: nothing more was written for this account`);
      }
      await owing;
    })();
  }

  /** Records the sync as owed, once per run, before the run's first change (undefined once recorded). */
  private markOwed(): Promise<void> | undefined {
    if (this.owed) return undefined;
    return (this.owing ??= this.deps.accountState
      .oweSync(this.account.accountId, this.options.runId, this.deps.clock().toISOString())
      .then(() => {
        this.owed = true;
      }));
  }

  /** Whether the account needs a Management sync: this run's results, its changes, or an owed one. */
  private syncWanted(): boolean {
    return needsSync(this.results) || this.owing !== undefined || this.owedSince !== undefined;
  }

  private timeLeft(): boolean {
    if (this.stopped !== undefined) return false;
    return (
      this.options.deadlineAt === undefined || this.deps.clock().getTime() < this.options.deadlineAt - this.reserveMs
    );
  }

  /** Records outcomes at once (not on a dry run): the Ledger is the run's journal. */
  /** Records held back until the retirements are confirmed (when the caller asks for confirmation). */
  private held: { results: ClientResult[]; ownership: OwnedConfiguration[] } | undefined;

  private async settle(results: readonly ClientResult[], ownership: readonly OwnedConfiguration[] = []): Promise<void> {
    this.results.push(...results);
    // A dry run records nothing, so nothing of it carries to another invocation.
    if (this.options.dryRun) return;
    this.recorded += results.length;
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

  /** The mass-retirement guard's base: stored by the period's first run (contract v3), never carried. */
  private ownedActiveAtStart = 0;

  private outcome(done: boolean, sync: SyncOutcome = 'not-needed', extra: Extra = {}): AccountRunOutcome {
    const summary = summarize(this.account.accountId, this.results, sync, this.requests, extra);
    const made = done || this.recorded > 0 || sync === 'triggered';
    const progress = made
      ? { made }
      : {
          made,
          hopeless: this.budgetMs <= this.reserveMs,
          reason: noProgressReason({
            budgetMs: this.budgetMs,
            reserveMs: this.reserveMs,
            deadline: this.deadline,
            stopped: this.stopped,
          }),
        };
    if (!made) this.log.warn({ noProgress: progress.reason }, 'this invocation made no progress');
    return { summary, done, ownedActiveAtStart: this.ownedActiveAtStart, progress };
  }

  async run(): Promise<AccountRunOutcome> {
    if (this.options.confirmRetirements && !this.options.dryRun) this.held = { results: [], ownership: [] };
    const tables = await this.readTables();
    // From the tables alone: whom an account-wide failure (secret, setup, ConnectWise down) concerns.
    let plan = this.planFrom(tables, tables.owned);
    let planned = false;
    try {
      const view = await this.readConnectWise(tables);
      plan = this.planFrom(tables, view.owned);
      planned = true;
      await this.settle(plan.settled, view.recovered);
      if (plan.candidates.length > 0 || plan.retirements.length > 0) {
        const actions = await this.planWithConnectWise(plan, view);
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
        if (!(await this.execute(actions, view.setup, view.owned))) return await this.unfinished();
      }
    } catch (error) {
      if (error instanceof RunDeadlineError) return await this.unfinished(error);
      if (!planned) await this.settle(plan.settled);
      return await this.stopAccount(error, [...plan.candidates, ...plan.retirements]);
    }
    await this.release();
    if (this.options.dryRun || !this.syncWanted()) return this.outcome(true);
    try {
      const sync = await this.triggerSync();
      return this.outcome(true, sync.sync, sync.reason ? { syncReason: sync.reason } : {});
    } catch (error) {
      if (error instanceof RunDeadlineError) return await this.unfinished(error);
      throw error;
    }
  }

  /** A run stopped for good elsewhere: its earlier invocations' outcomes, synced when they changed anything. */
  async finishFailed(error: string): Promise<AccountRunOutcome> {
    const { account, deps, options } = this;
    if (!options.dryRun)
      this.results.push(
        ...(await earlierResults(deps, {
          runId: options.runId,
          accountId: account.accountId,
          period: options.period.key,
        })),
      );
    // What earlier invocations changed, or a sync an earlier run still owes (contract v3), is synced now.
    const owed = options.dryRun
      ? undefined
      : await deps.accountState.syncOwedSince(account.accountId).catch(() => undefined);
    if (options.dryRun || (!needsSync(this.results) && owed === undefined))
      return this.outcome(true, 'not-needed', { error });
    const sync = await this.triggerSync().catch((e: unknown) => ({
      sync: 'failed' as const,
      reason: describeError(e),
    }));
    return this.outcome(true, sync.sync, { error, ...(sync.reason ? { syncReason: sync.reason } : {}) });
  }

  /** Mappings, usage, what the account owns, this run's earlier outcomes and a sync owed by an earlier run. */
  private async readTables(): Promise<Tables> {
    const { account, deps, options } = this;
    // Always read this run's earlier outcomes: a Step Functions retry of a timed-out invocation repeats
    // the same payload, and what that attempt settled must stand (held retirements stay held).
    const [mappings, usage, ownership, fromEarlier, owedSince] = await Promise.all([
      deps.mappings.listByAccount(account.accountId),
      deps.usage.listByPeriod(account.accountId, options.period),
      deps.ownership.listChecked
        ? deps.ownership.listChecked(account.accountId)
        : deps.ownership.listByAccount(account.accountId).then((items) => ({ items, invalid: [] })),
      options.dryRun
        ? Promise.resolve([])
        : earlierResults(deps, { runId: options.runId, accountId: account.accountId, period: options.period.key }),
      options.dryRun ? Promise.resolve(undefined) : deps.accountState.syncOwedSince(account.accountId),
    ]);
    for (const bad of mappings.invalid) this.log.warn({ key: bad.key, problems: bad.problems }, 'invalid mapping item');
    for (const bad of usage.invalid) this.log.warn({ key: bad.key, problems: bad.problems }, 'invalid usage item');
    for (const bad of ownership.invalid)
      this.log.warn({ key: bad.key, problems: bad.problems }, 'invalid ownership record');
    const owned = [...ownership.items];
    this.results.push(...fromEarlier);
    this.owedSince = owedSince;
    if (owedSince) this.log.info({ owedSince }, 'a Management sync is owed by an earlier run');
    return {
      mappings,
      usage,
      owned,
      ownedInvalid: ownership.invalid,
      done: new Set(fromEarlier.map((r) => r.clientId)),
    };
  }

  /** Who is published, retired or settled at once, given what the account owns. */
  private planFrom(tables: Tables, owned: readonly OwnedConfiguration[]): ClientPlan {
    const { account, options } = this;
    return planClients({
      mappings: tables.mappings,
      usage: tables.usage,
      owned,
      ownedInvalid: tables.ownedInvalid,
      period: options.period,
      clientIds: options.clientIds,
      reportUnknownClients: options.reportUnknownClients,
      maxBillableSpaceGb: account.maxBillableSpaceGb,
      done: tables.done,
    });
  }

  /**
   * What ConnectWise holds: the setup, every configuration of the account's type (owned ones missing from
   * the listing read by id: a blind spot must not look like "gone"), and ownership recovered from the
   * configurations' ownership line when the Ledger lost it.
   */
  private async readConnectWise(tables: Tables): Promise<ConnectWiseView> {
    const { account } = this;
    const cw = await this.connect();
    const setup = await loadAccountSetup(cw, account);
    const [listed, managementSetups] = await Promise.all([
      cw.listConfigurations(account.configurationTypeName),
      cw.listManagementSetups(),
    ]);
    const recovery = await recoverOwnership({
      connectWise: cw,
      accountId: account.accountId,
      typeId: setup.type.id,
      listed,
      owned: tables.owned,
      // A client whose ownership record cannot be read fails until a person fixes it: not recovered over it.
      include: (clientId) =>
        (this.options.clientIds === undefined || this.options.clientIds.includes(clientId)) &&
        !tables.done.has(clientId) &&
        !tables.ownedInvalid.some((bad) => bad.key.clientId === clientId),
      managedIds: new Map(tables.mappings.items.map((m) => [m.clientId, m.managedId])),
      runId: this.options.runId,
      at: this.deps.clock().toISOString(),
    });
    if (recovery.recovered.length)
      this.log.warn(
        { configurationIds: recovery.recovered.map((r) => r.configurationId) },
        'owned configurations missing from the Ledger, recognised by their ownership line',
      );
    return {
      setup,
      configurations: recovery.configurations,
      managementSetups,
      owned: [...tables.owned, ...recovery.recovered],
      recovered: this.options.dryRun ? [] : recovery.recovered,
    };
  }

  /** The month's guard: its base is stored by the period's first (real) run and read by every later one. */
  private async monthGuard(view: ConnectWiseView): Promise<GuardState> {
    const { account, deps, options } = this;
    // What ConnectWise bills, not what the records say (they may lag).
    const billed = new Set(view.configurations.filter(isActive).map((c) => c.id));
    const counted = view.owned.filter((o) => billed.has(o.configurationId)).length;
    const stored = await deps.accountState.monthGuard(
      account.accountId,
      options.period.key,
      options.dryRun ? undefined : counted,
    );
    this.ownedActiveAtStart = stored?.base ?? counted;
    return { base: this.ownedActiveAtStart, retiredBefore: new Set(stored?.retired ?? []) };
  }

  /** What ConnectWise holds now → each client's writes (settling failures and skips at once). */
  private async planWithConnectWise(plan: ClientPlan, view: ConnectWiseView): Promise<readonly ClientAction[]> {
    const { account, deps, options } = this;
    const cw = await this.connect();
    const cache = await deps.resolutionCache.load(account.accountId);
    const wanted = new Set(plan.candidates.map((c) => c.managedId));
    const resolved = await resolveManagedIds(cw, view.setup.solution, wanted, cache, {
      rescan: options.rescan,
      // A dry run writes nothing anywhere, its look-up journal included.
      journal: options.dryRun ? undefined : deps.runJournal?.(account.accountId, options.runId),
      timeLeft: () => this.timeLeft(),
      onRecorded: (companies) => (this.recorded += companies),
      progress: deps.progress?.(account.accountId),
    });
    if (!options.dryRun) await deps.resolutionCache.save(account.accountId, resolved.found);
    const management = primaryManagementSetup(view.managementSetups);
    const billing = planBilling({
      accountId: account.accountId,
      dryRun: options.dryRun,
      period: options.period,
      candidates: plan.candidates,
      retirements: plan.retirements,
      configurations: view.configurations,
      owned: view.owned,
      companies: resolved.index,
      statuses: {
        added: management?.addedConfigurationStatus?.id,
        deleted: management?.deletedConfigurationStatus?.id,
      },
      managementItName: account.managementItName,
      allowOlderPeriod: options.allowOlderPeriod === true,
      allowMassRetire: options.allowMassRetire === true,
      guard: await this.monthGuard(view),
    });
    await this.settle(billing.settled, options.dryRun ? [] : billing.stale);
    return billing.actions;
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
        ...('billableSpaceGb' in c ? { usageGb: c.usageGb, billableSpaceGb: c.billableSpaceGb } : {}),
      })),
    );
    return this.outcome(true, 'not-needed', { error: reason });
  }

  /**
   * Time ran out (or the lock was lost). When no other invocation continues this run, what it changed
   * is still synced now, in the reserve kept for it, so a retired client stops being billed.
   */
  private async unfinished(deadline?: RunDeadlineError): Promise<AccountRunOutcome> {
    this.deadline ??= deadline?.message;
    await this.release();
    const error = this.stopped;
    if (this.options.continues && error === undefined) return this.outcome(false);
    if (!this.syncWanted()) return this.outcome(false, 'not-needed', error ? { error } : {});
    if (error !== undefined) {
      // Without the lock it writes nothing more, the sync included: it stays owed to the next run.
      return this.outcome(false, 'failed', {
        syncReason: 'the run lost its lock before the Management sync; the next run of the account triggers it',
        error,
      });
    }
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
    const context = {
      connectWise: cw,
      account,
      setup,
      period: options.period,
      runId: options.runId,
      now: deps.clock,
      sleep: deps.sleep,
    };
    // Counted before they happen: a run that dies half-way still counts them for the month's guard.
    const guarded = actions.filter((a) => a.kind === 'retire' && isGuardedRetirement(a.why)).map(resultClientId);
    await deps.accountState.countRetired(account.accountId, options.period.key, guarded);
    // Owed before the first change reaches ConnectWise (a crash right after it must still leave it owed).
    if (actions.some((a) => a.kind === 'retire' || publishWrites(a))) await this.markOwed();
    const intents = retirementIntents(actions, { ...context, owned: ownedNow });
    if (intents.length) await deps.ownership.put(intents);
    try {
      await Promise.all(
        actions.map((action) =>
          limit(async () => {
            if (!this.timeLeft()) {
              deferred++;
              return;
            }
            try {
              const done = await executeAction(action, { ...context, owned: ownedNow });
              await this.settle([done.result], done.ownership);
            } catch (error) {
              // What was written before the failure stays owned (a move's new configuration above all).
              const done = error instanceof IncompleteActionError ? (error.done as OwnedConfiguration[]) : [];
              const cause = error instanceof IncompleteActionError ? error.cause : error;
              // Out of time or lock before a write was sent (also midway: a move's old configuration, one of
              // several retirements): no outcome is recorded, so the next invocation (or run) plans the
              // client again from what is owned — never a failure that leaves two configurations billed.
              if (cause instanceof RunDeadlineError || cause instanceof RunLockLostError) {
                if (cause instanceof RunDeadlineError) this.deadline ??= cause.message;
                if (done.length && !options.dryRun) {
                  await deps.ownership.put(done);
                  this.recorded += done.length;
                }
                deferred++;
                return;
              }
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
      // A failed run's last word holds no lock: another run may be changing the account meanwhile, so its
      // sync never settles the owed one (that run's later changes would look synced). It stays owed.
      if (this.leaseUntil === undefined) return await triggerSync(() => this.connect(), this.log);
      return await triggerOwedSync(() => this.connect(), { ...this.deps, logger: this.log }, this.account.accountId);
    } finally {
      progress?.stop();
    }
  }
}

const resultClientId = (action: ClientAction): string =>
  action.kind === 'retire' ? action.clientId : action.candidate.clientId;

interface Tables {
  readonly mappings: Awaited<ReturnType<Deps['mappings']['listByAccount']>>;
  readonly usage: Awaited<ReturnType<Deps['usage']['listByPeriod']>>;
  readonly owned: readonly OwnedConfiguration[];
  readonly ownedInvalid: readonly InvalidItem[];
  /** Clients settled by earlier invocations of this run. */
  readonly done: ReadonlySet<string>;
}

interface ConnectWiseView {
  readonly setup: AccountSetup;
  /** Every configuration of the account's type (by type id) ConnectWise holds now. */
  readonly configurations: readonly Configuration[];
  readonly managementSetups: readonly ManagementSetup[];
  /** Owned: the Ledger's records plus those recovered from ownership lines. */
  readonly owned: readonly OwnedConfiguration[];
  /** Records recovered from ownership lines, to store (none on a dry run). */
  readonly recovered: readonly OwnedConfiguration[];
}
