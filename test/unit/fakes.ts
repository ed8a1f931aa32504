import { pino } from 'pino';
import type { ConnectWisePort } from '../../lib/publisher/ports/connectwise.js';
import type {
  Company,
  Configuration,
  ConfigurationType,
  ManagementEntry,
  ManagementItSolution,
  ManagementSetup,
  NewConfiguration,
  PatchOperation,
  SyncResult,
} from '../../lib/connectwise/types.js';
import { ConnectWiseNetworkError } from '../../lib/errors.js';
import type { Period } from '../../lib/period.js';
import type {
  Account,
  AccountSummary,
  AccountsRepository,
  ClientResult,
  EventSink,
  InvalidItem,
  LedgerEntry,
  LedgerRepository,
  LedgerRow,
  OwnedConfiguration,
  OwnershipRepository,
  AccountStateRepository,
  ResolutionCache,
  RunLock,
  RunRecord,
  Mapping,
  MappingsRepository,
  PublisherDeps,
  UsageRepository,
  Validated,
} from '../../lib/publisher/ports/index.js';
import type { UsageItem } from '../../lib/input/schemas.js';
import { accountFixture, SECRET } from '../support/fixtures.js';

/** An in-memory ConnectWise behind the port, recording every call, for unit tests of the core. */
export class FakeConnectWise implements ConnectWisePort {
  solutions: ManagementItSolution[] = [{ id: 1, name: 'Backup Cloud', managementItSolutionType: 'Custom' }];
  types: ConfigurationType[] = [{ id: 7, name: 'Backup Stats' }];
  companies: Company[] = [];
  entries = new Map<number, ManagementEntry[]>();
  configurations: Configuration[] = [];
  setups: ManagementSetup[] = [{ id: 1 }];
  syncAnswer: SyncResult = { success: true, message: 'ok' };
  calls: string[] = [];
  /** Called on every write (tests move a clock with it). */
  onWrite: () => void = () => undefined;
  /** Make the next N creates save the record but lose the answer. */
  loseCreateAnswers = 0;
  private nextId = 1000;

  addCompany(identifier: string, managedIds: string[], solutionId = 1): Company {
    const company = { id: this.companies.length + 1, identifier, name: `${identifier} Inc.` };
    this.companies.push(company);
    this.entries.set(
      company.id,
      managedIds.map((groupIdentifier, i) => ({
        id: company.id * 100 + i,
        groupIdentifier,
        managementSolution: { id: solutionId, name: this.solutions.find((s) => s.id === solutionId)?.name ?? 'Other' },
        deviceType: 'BackupStats',
      })),
    );
    return company;
  }

  addConfiguration(companyId: number, deviceIdentifier: string, values: Partial<Configuration> = {}): Configuration {
    const c: Configuration = {
      id: this.nextId++,
      name: deviceIdentifier,
      type: { id: 7, name: 'Backup Stats' },
      company: { id: companyId },
      deviceIdentifier,
      activeFlag: true,
      ...values,
    };
    this.configurations.push(c);
    return c;
  }

  writes(): string[] {
    return this.calls.filter((c) => !c.startsWith('GET'));
  }

  async findManagementItSolutions(name: string) {
    this.calls.push('GET solutions');
    return this.solutions.filter((s) => s.name.toLowerCase() === name.toLowerCase());
  }
  async findConfigurationTypes(name: string) {
    this.calls.push('GET types');
    return this.types.filter((t) => t.name.toLowerCase() === name.toLowerCase());
  }
  async listCompanies() {
    this.calls.push('GET companies');
    return [...this.companies];
  }
  async listManagementEntries(companyId: number) {
    this.calls.push(`GET entries ${companyId}`);
    return this.entries.get(companyId) ?? [];
  }
  async listConfigurations(typeName: string, companyId?: number) {
    this.calls.push(`GET configurations${companyId === undefined ? '' : ` ${companyId}`}`);
    return this.configurations.filter(
      (c) =>
        c.type.name?.toLowerCase() === typeName.toLowerCase() &&
        (companyId === undefined || c.company.id === companyId),
    );
  }
  async getConfiguration(id: number) {
    this.calls.push(`GET configuration ${id}`);
    return this.configurations.find((c) => c.id === id);
  }
  async createConfiguration(input: NewConfiguration) {
    this.calls.push(`POST ${input.deviceIdentifier}`);
    this.onWrite();
    const created: Configuration = {
      ...input,
      id: this.nextId++,
      type: { id: input.type.id, name: this.types.find((t) => t.id === input.type.id)?.name ?? '' },
    };
    this.configurations.push(created);
    if (this.loseCreateAnswers > 0) {
      this.loseCreateAnswers--;
      throw new ConnectWiseNetworkError('socket hang up', {
        method: 'POST',
        path: 'company/configurations',
        networkCode: 'ECONNRESET',
      });
    }
    return created;
  }
  async patchConfiguration(id: number, operations: readonly PatchOperation[]) {
    this.calls.push(`PATCH ${id} ${operations.map((o) => o.path).join(',')}`);
    this.onWrite();
    const index = this.configurations.findIndex((c) => c.id === id);
    const patched = {
      ...this.configurations[index]!,
      ...Object.fromEntries(operations.map((o) => [o.path, o.value])),
    } as Configuration;
    this.configurations[index] = patched;
    return patched;
  }
  async listCompaniesByIds(ids: readonly number[]) {
    this.calls.push(`GET companies ${ids.join(',')}`);
    return this.companies.filter((c) => ids.includes(c.id));
  }
  async listManagementSetups() {
    this.calls.push('GET management');
    return this.setups;
  }
  async executeManagedItSync(id: number) {
    this.calls.push(`POST sync ${id}`);
    return this.syncAnswer;
  }
  requestCount() {
    return this.calls.length;
  }
}

export class MemoryStore implements AccountsRepository, MappingsRepository, UsageRepository {
  accounts: (Account | InvalidItem)[] = [];
  mappings: Mapping[] = [];
  invalidMappings: InvalidItem[] = [];
  usage: UsageItem[] = [];
  invalidUsage: InvalidItem[] = [];
  ledger: LedgerRow[] = [];

  async get(accountId: string) {
    return this.accounts.find((a) => ('accountId' in a ? a.accountId : a.key.accountId) === accountId);
  }
  async list(): Promise<Validated<Account>> {
    return {
      items: this.accounts.filter((a): a is Account => 'secretId' in a),
      invalid: this.accounts.filter((a): a is InvalidItem => !('secretId' in a)),
    };
  }
  async listByAccount(accountId: string): Promise<Validated<Mapping>> {
    return {
      items: this.mappings.filter((m) => m.accountId === accountId),
      invalid: this.invalidMappings.filter((m) => m.key.accountId === accountId),
    };
  }
  async listByPeriod(accountId: string, period: Period): Promise<Validated<UsageItem>> {
    return {
      items: this.usage.filter((u) => u.accountId === accountId && u.period === period.key),
      invalid: this.invalidUsage.filter((u) => u.key.accountId === accountId),
    };
  }
  async record(rows: readonly LedgerRow[]) {
    this.ledger.push(...rows);
  }

  addUsage(accountId: string, clientId: string, gb: number, period = '2026-10') {
    this.usage.push({ accountId, usageKey: `${period}#${clientId}`, period, clientId, billableSpaceGb: gb });
  }
}

export { SECRET };

/** The Ledger's other item families in memory: ownership, resolution cache, run records, the run lock. */
export class MemoryLedger
  implements LedgerRepository, OwnershipRepository, ResolutionCache, RunLock, AccountStateRepository
{
  readonly leaseMs = 5 * 60_000;
  owedSince = new Map<string, { since: string; last: string }>();
  guards = new Map<string, { base: number; retired: Set<string> }>();
  owned = new Map<string, OwnedConfiguration>();
  resolved = new Map<string, Map<string, readonly number[]>>();
  runs: RunRecord[] = [];
  locks = new Map<string, string>();
  rows = new Map<string, LedgerEntry>();

  constructor(private readonly store: MemoryStore) {}

  async record(rows: readonly LedgerRow[]) {
    await this.store.record(rows);
    for (const r of rows) {
      const key = `${r.accountId}#${r.period}#${r.clientId}`;
      const before = this.rows.get(key);
      const billed = r.status === 'published' || r.status === 'unchanged';
      this.rows.set(key, {
        clientId: r.clientId,
        managedId: r.managedId,
        status: r.status === 'unchanged' ? 'published' : r.status,
        outcome: r.status,
        ...(r.reason ? { reason: r.reason } : {}),
        ...(r.billableSpaceGb !== undefined ? { billableSpaceGb: r.billableSpaceGb } : {}),
        ...(billed && r.billableSpaceGb !== undefined
          ? { publishedGb: r.billableSpaceGb, publishedAt: r.at }
          : before?.publishedGb !== undefined
            ? { publishedGb: before.publishedGb }
            : {}),
        ...(r.companyId !== undefined ? { companyId: r.companyId } : {}),
        ...(r.configurationId !== undefined ? { configurationId: r.configurationId } : {}),
        ...(r.retiredConfigurationIds ? { retiredConfigurationIds: r.retiredConfigurationIds } : {}),
        runId: r.runId,
        updatedAt: r.at,
      });
    }
  }
  async list(accountId: string, period: string) {
    return [...this.rows].filter(([k]) => k.startsWith(`${accountId}#${period}#`)).map(([, v]) => v);
  }
  async recordRun(run: RunRecord) {
    this.runs.push(run);
  }
  async listRuns(accountId: string) {
    return this.runs.filter((r) => r.accountId === accountId).reverse();
  }
  async listByAccount(accountId: string) {
    return [...this.owned.values()].filter((o) => o.accountId === accountId);
  }
  async put(records: readonly OwnedConfiguration[]) {
    for (const r of records) this.owned.set(`${r.accountId}#${r.configurationId}`, r);
  }
  async load(accountId: string) {
    return this.resolved.get(accountId) ?? new Map();
  }
  async save(accountId: string, found: ReadonlyMap<string, readonly number[]>) {
    this.resolved.set(accountId, new Map([...(this.resolved.get(accountId) ?? []), ...found]));
  }
  async acquire(accountId: string, runId: string) {
    const holder = this.locks.get(accountId);
    if (holder !== undefined && holder !== runId) return { heldBy: holder, since: '2026-11-01T06:00:00.000Z' };
    this.locks.set(accountId, runId);
    return undefined;
  }
  async release(accountId: string, runId: string) {
    if (this.locks.get(accountId) === runId) this.locks.delete(accountId);
  }
  async renew(accountId: string, runId: string) {
    return this.locks.get(accountId) === runId;
  }
  async syncOwedSince(accountId: string) {
    return this.owedSince.get(accountId)?.since;
  }
  async oweSync(accountId: string, _runId: string, at: string) {
    this.owedSince.set(accountId, { since: this.owedSince.get(accountId)?.since ?? at, last: at });
  }
  async syncDone(accountId: string, startedAt: string) {
    const owed = this.owedSince.get(accountId);
    if (owed && owed.last <= startedAt) this.owedSince.delete(accountId);
  }
  async monthGuard(accountId: string, period: string, base?: number) {
    const key = `${accountId}#${period}`;
    if (base !== undefined && !this.guards.has(key)) this.guards.set(key, { base, retired: new Set() });
    const guard = this.guards.get(key);
    return guard && { base: guard.base, retired: [...guard.retired] };
  }
  async countRetired(accountId: string, period: string, clientIds: readonly string[]) {
    const guard = this.guards.get(`${accountId}#${period}`);
    for (const c of clientIds) guard?.retired.add(c);
  }
}

export function makeDeps(
  store: MemoryStore,
  cw: FakeConnectWise,
  events?: EventSink,
  ledger: MemoryLedger = new MemoryLedger(store),
): PublisherDeps & { sent: { type: string; detail: Record<string, unknown> }[]; memory: MemoryLedger } {
  const sent: { type: string; detail: Record<string, unknown> }[] = [];
  let run = 0;
  return {
    accounts: store,
    mappings: store,
    usage: store,
    ledger,
    ownership: {
      listByAccount: (a) => ledger.listByAccount(a),
      put: (r) => ledger.put(r),
    },
    resolutionCache: { load: (a) => ledger.load(a), save: (a, f) => ledger.save(a, f) },
    runLock: {
      leaseMs: ledger.leaseMs,
      acquire: (a, r) => ledger.acquire(a, r),
      release: (a, r) => ledger.release(a, r),
      renew: (a, r) => ledger.renew(a, r),
    },
    accountState: ledger,
    memory: ledger,
    sleep: async () => undefined,
    secrets: { load: async () => SECRET },
    connectWise: async () => cw,
    events: events ?? {
      publish: async (type, detail) => {
        sent.push({ type, detail });
      },
    },
    clock: () => new Date('2026-11-01T06:00:00Z'),
    newRunId: () => `run-${++run}`,
    logger: pino({ level: 'silent' }),
    sent,
  };
}

/** An account's results by client id. */
export function byClient(summary: AccountSummary): Record<string, ClientResult> {
  return Object.fromEntries(summary.results.map((r) => [r.clientId, r]));
}

/** A Management record naming both statuses: retiring sets Removed (90), re-activating sets Active (91). */
export const MANAGEMENT_WITH_STATUSES: ManagementSetup = {
  id: 1,
  deletedConfigurationStatus: { id: 90, name: 'Removed' },
  addedConfigurationStatus: { id: 91, name: 'Active' },
};

export const ACCOUNT: Account = accountFixture('acct-1');
