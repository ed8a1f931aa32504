import type { ConnectWisePort } from '../connectwise/gateway.js';
import type { Configuration, ManagementItSolution, ConfigurationType } from '../connectwise/types.js';
import { ConnectWiseSetupError, describeError } from '../errors.js';
import type { Period } from '../period.js';
import { MAX_IDENTIFIER_LENGTH } from '../schemas.js';
import { patchFor, upsertConfiguration } from './configuration-sync.js';
import { planClients, type Candidate } from './plan-clients.js';
import type { Account, AccountSummary, ClientResult, PublisherDeps, SyncOutcome } from './ports.js';
import { indexCompaniesByManagedId, type CompanyIndex } from './resolve-companies.js';

export interface AccountRunOptions {
  readonly period: Period;
  readonly dryRun: boolean;
  readonly clientIds?: readonly string[] | undefined;
  readonly reportUnknownClients: boolean;
  readonly sleep: (ms: number) => Promise<void>;
}

/**
 * Publishes one account: mappings + usage → ConnectWise configurations → one Management sync.
 * Every client ends with an outcome; errors that concern one client fail that client only, errors
 * that stop the whole account (secret, setup) fail every client that was due to be published.
 */
export async function publishAccount(
  account: Account,
  deps: Pick<PublisherDeps, 'mappings' | 'usage' | 'secrets' | 'connectWise' | 'logger' | 'progress'>,
  options: AccountRunOptions,
): Promise<AccountSummary> {
  const log = deps.logger.child({ accountId: account.accountId, period: options.period.key });
  const [mappings, usage] = await Promise.all([
    deps.mappings.listByAccount(account.accountId),
    deps.usage.listByPeriod(account.accountId, options.period),
  ]);
  for (const bad of mappings.invalid) log.warn({ key: bad.key, problems: bad.problems }, 'invalid mapping item');
  for (const bad of usage.invalid) log.warn({ key: bad.key, problems: bad.problems }, 'invalid usage item');
  const plan = planClients(mappings, usage, options.period, options.clientIds, options.reportUnknownClients);
  const results: ClientResult[] = [...plan.settled];
  if (plan.candidates.length === 0) {
    return summarize(account.accountId, results, 'not-needed', 0);
  }

  let connectWise: ConnectWisePort | undefined;
  try {
    const secret = await deps.secrets.load(account.secretId);
    connectWise = await deps.connectWise(secret, account);
    const setup = await loadSetup(connectWise, account);
    const [companies, configurations] = await Promise.all([
      indexCompaniesByManagedId(connectWise, setup.solution),
      connectWise.listConfigurations(account.configurationTypeName),
    ]);
    const existing = indexConfigurations(configurations, setup.type);
    const cw = connectWise;
    deps.progress?.start(plan.candidates.length, `${account.accountId}: publishing`);
    const published = await Promise.all(
      plan.candidates.map((candidate) =>
        publishClient(cw, candidate, { account, setup, companies, existing, options })
          .catch(
            (error: unknown): ClientResult => ({
              clientId: candidate.clientId,
              managedId: candidate.managedId,
              status: 'failed',
              reason: describeError(error),
              billableSpaceGb: candidate.billableSpaceGb,
            }),
          )
          .finally(() => deps.progress?.increment()),
      ),
    ).finally(() => deps.progress?.stop());
    results.push(...published);
  } catch (error) {
    const reason = describeError(error);
    log.error({ err: { name: (error as Error).name, message: reason } }, 'account publish stopped');
    for (const c of plan.candidates) {
      results.push({ clientId: c.clientId, managedId: c.managedId, status: 'failed', reason, billableSpaceGb: c.billableSpaceGb });
    }
    return summarize(account.accountId, results, 'not-needed', connectWise?.requestCount() ?? 0, { error: reason });
  }

  const sync = options.dryRun ? { sync: 'not-needed' as const } : await triggerSync(connectWise, results, log);
  return summarize(account.accountId, results, sync.sync, connectWise.requestCount(), sync.reason ? { syncReason: sync.reason } : {});
}

interface Setup {
  readonly solution: ManagementItSolution;
  readonly type: ConfigurationType;
}

async function loadSetup(connectWise: ConnectWisePort, account: Account): Promise<Setup> {
  const [solutions, types] = await Promise.all([
    connectWise.findManagementItSolutions(account.managementItName),
    connectWise.findConfigurationTypes(account.configurationTypeName),
  ]);
  // ConnectWise compares condition strings case-insensitively; the contract's match is exact.
  const solution = solutions.find((s) => s.name === account.managementItName);
  if (!solution) {
    throw new ConnectWiseSetupError(
      `Management IT solution "${account.managementItName}" not found in ConnectWise (System > Setup Tables > Management IT)`,
      { code: 'SOLUTION_NOT_FOUND' },
    );
  }
  const type = types.find((t) => t.name === account.configurationTypeName);
  if (!type) {
    throw new ConnectWiseSetupError(
      `configuration type "${account.configurationTypeName}" not found in ConnectWise (System > Setup Tables > Configuration Types)`,
      { code: 'CONFIGURATION_TYPE_NOT_FOUND' },
    );
  }
  if (type.inactiveFlag === true) {
    throw new ConnectWiseSetupError(
      `configuration type "${account.configurationTypeName}" is inactive in ConnectWise (System > Setup Tables > Configuration Types): activate it`,
      { code: 'CONFIGURATION_TYPE_INACTIVE' },
    );
  }
  return { solution, type };
}

/** `${companyId}#${deviceIdentifier}` → that client's configurations of our type on that company. */
function indexConfigurations(configurations: readonly Configuration[], type: ConfigurationType): Map<string, Configuration[]> {
  const index = new Map<string, Configuration[]>();
  for (const c of configurations) {
    if (c.type.id !== type.id || !c.deviceIdentifier) continue;
    const key = `${c.company.id}#${c.deviceIdentifier}`;
    const list = index.get(key) ?? [];
    list.push(c);
    index.set(key, list);
  }
  return index;
}

interface ClientContext {
  readonly account: Account;
  readonly setup: Setup;
  readonly companies: CompanyIndex;
  readonly existing: ReadonlyMap<string, readonly Configuration[]>;
  readonly options: AccountRunOptions;
}

async function publishClient(connectWise: ConnectWisePort, candidate: Candidate, ctx: ClientContext): Promise<ClientResult> {
  const base = { clientId: candidate.clientId, managedId: candidate.managedId, billableSpaceGb: candidate.billableSpaceGb };
  const matches = ctx.companies.byManagedId.get(candidate.managedId) ?? [];
  if (matches.length === 0) {
    return {
      ...base,
      status: 'failed',
      reason: `Managed ID "${candidate.managedId}" is not on any company's Management tab for solution "${ctx.account.managementItName}"`,
    };
  }
  if (matches.length > 1) {
    return {
      ...base,
      status: 'failed',
      reason: `Managed ID "${candidate.managedId}" is on ${matches.length} companies (${matches
        .map((c) => c.identifier)
        .join(', ')}); it must be on exactly one`,
    };
  }
  const company = matches[0]!;
  const where = { companyId: company.id, companyIdentifier: company.identifier };
  const existing = ctx.existing.get(`${company.id}#${candidate.clientId}`) ?? [];
  const desired = { billableSpaceGb: candidate.billableSpaceGb, year: ctx.options.period.year, month: ctx.options.period.month };

  if (ctx.options.dryRun) {
    const upToDate = existing.length === 1 && patchFor(existing[0]!, desired).length === 0;
    return { ...base, ...where, status: upToDate ? 'unchanged' : 'planned', ...(existing[0] ? { configurationId: existing[0].id } : {}) };
  }

  const outcome = await upsertConfiguration(
    connectWise,
    {
      existing,
      typeName: ctx.account.configurationTypeName,
      desired,
      create: {
        name: (candidate.clientName || candidate.clientId).slice(0, MAX_IDENTIFIER_LENGTH),
        type: { id: ctx.setup.type.id },
        company: { id: company.id },
        deviceIdentifier: candidate.clientId,
        activeFlag: true,
        backupBillableSpaceGb: desired.billableSpaceGb,
        backupYear: desired.year,
        backupMonth: desired.month,
      },
    },
    ctx.options.sleep,
  );
  return { ...base, ...where, status: outcome.changed ? 'published' : 'unchanged', configurationId: outcome.configuration.id };
}

async function triggerSync(
  connectWise: ConnectWisePort,
  results: readonly ClientResult[],
  log: PublisherDeps['logger'],
): Promise<{ sync: SyncOutcome; reason?: string }> {
  if (!results.some((r) => r.status === 'published' || r.status === 'unchanged')) return { sync: 'not-needed' };
  try {
    const setups = await connectWise.listManagementSetups();
    const setup = [...setups].sort((a, b) => a.id - b.id)[0];
    if (!setup) {
      return { sync: 'failed', reason: 'no Management record in ConnectWise (System > Setup Tables > Management): nothing to sync' };
    }
    const answer = await connectWise.executeManagedItSync(setup.id);
    if (answer && answer.success === false) {
      return { sync: 'failed', reason: `ConnectWise refused the Management sync: ${answer.message ?? 'no message'}` };
    }
    return { sync: 'triggered' };
  } catch (error) {
    const reason = describeError(error);
    log.error({ reason }, 'Management sync failed');
    return { sync: 'failed', reason };
  }
}

function summarize(
  accountId: string,
  results: ClientResult[],
  sync: SyncOutcome,
  requests: number,
  extra: { syncReason?: string; error?: string } = {},
): AccountSummary {
  results.sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
  const count = (status: ClientResult['status']) => results.filter((r) => r.status === status).length;
  return {
    accountId,
    published: count('published'),
    unchanged: count('unchanged'),
    skipped: count('skipped'),
    failed: count('failed'),
    planned: count('planned'),
    sync,
    ...extra,
    requests,
    results,
  };
}
