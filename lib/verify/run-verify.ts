import type { Addition } from '../connectwise/types.js';
import { ConfigurationTypeNotFoundError, SolutionNotFoundError } from '../errors.js';
import type { Period } from '../period.js';
import type {
  Account,
  InspectionFactory,
  LedgerRepository,
  MappingsRepository,
  OwnershipRepository,
  SecretsPort,
  UsageRepository,
} from '../publisher/ports/index.js';
import { loadManagementTab } from '../publisher/resolution.js';
import { findSetupCandidates, primaryManagementSetup } from '../publisher/setup.js';
import type { ProgressPort as Progress } from '../publisher/ports/reporting.js';
import { agreementsToRead, reconcile, type VerifyReport } from './reconcile.js';

export interface VerifyDeps {
  readonly mappings: MappingsRepository;
  readonly usage: UsageRepository;
  readonly ledger: LedgerRepository;
  /** The account's owned configurations (contract v2), to tell what we bill from what others do. */
  readonly ownership: OwnershipRepository;
  readonly secrets: SecretsPort;
  readonly connectWise: InspectionFactory;
  readonly now: Date;
  readonly progress: Progress;
}

/**
 * Reads what verify compares — the tables and the ownership records, then ConnectWise in bulk
 * (every company's Management tab, the type's configurations, agreements, Management Backup setups,
 * the Management record, and the additions of the agreements in question) — and reconciles.
 * Read-only. Throws when it cannot run at all (secret, ConnectWise unreachable, solution or
 * configuration type missing: `cwpub doctor` says why).
 */
export async function runVerify(account: Account, period: Period, deps: VerifyDeps): Promise<VerifyReport> {
  const [mappings, usage, ledger, owned] = await Promise.all([
    deps.mappings.listByAccount(account.accountId),
    deps.usage.listByPeriod(account.accountId, period),
    deps.ledger.list(account.accountId, period.key),
    deps.ownership.listByAccount(account.accountId),
  ]);
  const secret = await deps.secrets.load(account.secretId);
  const cw = await deps.connectWise(secret, account);
  // The publisher's own look-up; verify reads an inactive type too (it still bills what it holds).
  const { solution, type } = await findSetupCandidates(cw, account);
  if (!solution) {
    throw new SolutionNotFoundError(
      `Management IT solution "${account.managementItName}" not found in ConnectWise; run cwpub doctor`,
    );
  }
  if (!type) {
    throw new ConfigurationTypeNotFoundError(
      `configuration type "${account.configurationTypeName}" not found in ConnectWise; run cwpub doctor`,
    );
  }
  // Verify always looks everywhere: a moved Managed ID or a stray configuration can be on any company.
  const tab = await loadManagementTab(cw, deps.progress);
  const [configurations, agreements, backups, setups] = await Promise.all([
    cw.listConfigurations(account.configurationTypeName),
    cw.listAgreements(),
    cw.listManagementBackups(),
    cw.listManagementSetups(),
  ]);
  const input = {
    account,
    period,
    now: deps.now,
    mappings,
    usage,
    ledger,
    owned,
    solution,
    type,
    management: primaryManagementSetup(setups),
    tab,
    configurations,
    agreements,
    backups,
  };
  const wanted = agreementsToRead(input);
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
  return reconcile({ ...input, additions });
}
