import type { Addition } from '../connectwise/types.js';
import { ConnectWiseSetupError } from '../errors.js';
import type { Period } from '../period.js';
import type { Account, InspectionFactory, LedgerRepository, MappingsRepository, SecretsPort, UsageRepository } from '../publisher/ports.js';
import { loadManagementTab } from '../publisher/resolution.js';
import type { Progress } from './progress.js';
import { agreementsToRead, reconcile, type VerifyReport } from './verify.js';

export interface VerifyDeps {
  readonly mappings: MappingsRepository;
  readonly usage: UsageRepository;
  readonly ledger: LedgerRepository;
  readonly secrets: SecretsPort;
  readonly connectWise: InspectionFactory;
  readonly now: Date;
  readonly progress: Progress;
}

/**
 * Reads what verify compares — the tables, then ConnectWise in bulk (companies' Management tabs,
 * the type's configurations, agreements, Management Backup setups, and the additions of the
 * default agreements in use) — and reconciles. Read-only. Throws when it cannot run at all
 * (secret, ConnectWise unreachable, solution or configuration type missing: `cwpub doctor` says why).
 */
export async function runVerify(account: Account, period: Period, deps: VerifyDeps): Promise<VerifyReport> {
  const [mappings, usage, ledger] = await Promise.all([
    deps.mappings.listByAccount(account.accountId),
    deps.usage.listByPeriod(account.accountId, period),
    deps.ledger.list(account.accountId, period.key),
  ]);
  const secret = await deps.secrets.load(account.secretId);
  const cw = await deps.connectWise(secret, account);
  const [solutions, types] = await Promise.all([
    cw.findManagementItSolutions(account.managementItName),
    cw.findConfigurationTypes(account.configurationTypeName),
  ]);
  const solution = solutions.find((s) => s.name === account.managementItName);
  if (!solution) {
    throw new ConnectWiseSetupError(`Management IT solution "${account.managementItName}" not found in ConnectWise; run cwpub doctor`, {
      code: 'SOLUTION_NOT_FOUND',
    });
  }
  const type = types.find((t) => t.name === account.configurationTypeName);
  if (!type) {
    throw new ConnectWiseSetupError(`configuration type "${account.configurationTypeName}" not found in ConnectWise; run cwpub doctor`, {
      code: 'CONFIGURATION_TYPE_NOT_FOUND',
    });
  }
  const tab = await loadManagementTab(cw, deps.progress);
  const [configurations, agreements, backups] = await Promise.all([
    cw.listConfigurations(account.configurationTypeName),
    cw.listAgreements(),
    cw.listManagementBackups(),
  ]);
  const wanted = agreementsToRead({ mappings, usage, tab, solution });
  const additions = new Map<number, Addition[]>();
  deps.progress.start(wanted.length, 'Reading agreement additions');
  try {
    await Promise.all(
      wanted.map(async (id) => {
        additions.set(id, await cw.listAdditions(id));
        deps.progress.increment();
      }),
    );
  } finally {
    deps.progress.stop();
  }
  return reconcile({
    account,
    period,
    now: deps.now,
    mappings,
    usage,
    ledger,
    solution,
    type,
    tab,
    configurations,
    agreements,
    backups,
    additions,
  });
}
