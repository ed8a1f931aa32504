import type { ConnectWiseInspectionPort } from '../connectwise/gateway.js';
import type {
  Agreement,
  ConfigurationType,
  ManagementBackup,
  ManagementItSolution,
  Reference,
} from '../connectwise/types.js';
import { AccountError, ConnectWiseHttpError, SecretError, describeError } from '../errors.js';
import { previousPeriod } from '../period.js';
import type {
  Account,
  AccountsRepository,
  InspectionFactory,
  InvalidItem,
  LedgerRepository,
  Mapping,
  MappingsRepository,
  SecretsPort,
  UsageRepository,
} from '../publisher/ports.js';
import type { ConnectWiseSecret } from '../schemas.js';
import { formatProblems } from '../schemas.js';
import { connectWiseFix } from './connectwise-errors.js';
import { loadManagementTab, resolveManagedId, type ManagementTab } from '../publisher/resolution.js';
import type { Progress } from './progress.js';

/**
 * `cwpub doctor`: the setup guide's checklist, walked through the APIs. Every check says what it
 * found and, when something is missing, where to fix it. Nothing is written anywhere. A check that
 * cannot run because an earlier one failed is `skipped`. Errors become failed checks: the doctor
 * never crashes on a ConnectWise or AWS answer, and never prints a secret's value.
 */
export type CheckStatus = 'ok' | 'warning' | 'failed' | 'skipped';

export interface DoctorCheck {
  /** Stable machine key, e.g. `secret`, `solution`, `mapping:<clientId>`. */
  readonly id: string;
  readonly check: string;
  /** False only for `failed` (warnings do not stop the setup from working). */
  readonly ok: boolean;
  readonly status: CheckStatus;
  readonly detail: string;
  readonly fix?: string;
}

export interface DoctorReport {
  readonly accountId: string;
  /** True when no check failed (warnings allowed). */
  readonly ready: boolean;
  readonly checks: readonly DoctorCheck[];
}

export interface DoctorDeps {
  readonly accounts: AccountsRepository;
  readonly mappings: MappingsRepository;
  readonly usage: UsageRepository;
  readonly ledger: LedgerRepository;
  /** Table names, for the messages. */
  readonly tables: { readonly accounts: string; readonly mappings: string; readonly usage: string; readonly ledger: string };
  readonly secrets: SecretsPort;
  readonly connectWise: InspectionFactory;
  readonly now: Date;
  readonly progress: Progress;
}

const SOLUTION_SETUP = 'ConnectWise: System > Setup Tables > Management IT';
const MANAGEMENT_SETUP = 'ConnectWise: System > Setup Tables > Management';
const TYPE_SETUP = 'ConnectWise: System > Setup Tables > Configuration Types';
const BACKUP_SETUP = 'ConnectWise: System > Setup Tables > Management Backup';

class Checklist {
  readonly checks: DoctorCheck[] = [];

  add(id: string, check: string, status: CheckStatus, detail: string, fix?: string): void {
    this.checks.push({ id, check, ok: status !== 'failed', status, detail, ...(fix ? { fix } : {}) });
  }
  ok(id: string, check: string, detail: string): void {
    this.add(id, check, 'ok', detail);
  }
  fail(id: string, check: string, detail: string, fix: string): void {
    this.add(id, check, 'failed', detail, fix);
  }
  warn(id: string, check: string, detail: string, fix?: string): void {
    this.add(id, check, 'warning', detail, fix);
  }
  skip(id: string, check: string, because: string): void {
    this.add(id, check, 'skipped', `not checked: ${because}`);
  }
}

/** Runs every check for one account. Throws only for a bad command line (several accounts, no --account). */
export async function runDoctor(accountId: string | undefined, deps: DoctorDeps): Promise<DoctorReport> {
  const list = new Checklist();
  const period = previousPeriod(deps.now);

  // --- AWS: the accounts table and the account item -------------------------------------------
  let account: Account | InvalidItem | undefined;
  let selectedId = accountId;
  const accountsCheck = `DynamoDB table ${deps.tables.accounts} (ACCOUNTS_TABLE)`;
  try {
    const all = await deps.accounts.list();
    list.ok('table:accounts', accountsCheck, `reachable; ${all.items.length + all.invalid.length} account(s)`);
    if (accountId === undefined) {
      const count = all.items.length + all.invalid.length;
      if (count > 1) {
        const ids = [...all.items.map((a) => a.accountId), ...all.invalid.map((i) => i.key.accountId ?? '?')].sort();
        throw new AccountError(`there are ${count} accounts; choose one with --account (accounts: ${ids.join(', ')})`, {
          code: 'ACCOUNT_AMBIGUOUS',
        });
      }
      account = all.items[0] ?? all.invalid[0];
      selectedId = account ? ('secretId' in account ? account.accountId : account.key.accountId) : undefined;
    } else {
      account = await deps.accounts.get(accountId);
    }
  } catch (error) {
    if (error instanceof AccountError) throw error;
    list.fail('table:accounts', accountsCheck, describeError(error), awsFix(deps.tables.accounts, 'ACCOUNTS_TABLE'));
  }

  // --- AWS: the other tables (queried with the account's key, so permissions are exercised) -----
  const probeId = selectedId ?? 'cwpub-doctor-probe';
  let mappings: { items: readonly Mapping[]; invalid: readonly InvalidItem[] } | undefined;
  await Promise.all([
    (async () => {
      const name = `DynamoDB table ${deps.tables.mappings} (MAPPINGS_TABLE)`;
      try {
        mappings = await deps.mappings.listByAccount(probeId);
        list.ok('table:mappings', name, 'reachable');
      } catch (error) {
        list.fail('table:mappings', name, describeError(error), awsFix(deps.tables.mappings, 'MAPPINGS_TABLE'));
      }
    })(),
    (async () => {
      const name = `DynamoDB table ${deps.tables.usage} (USAGE_TABLE)`;
      try {
        const usage = await deps.usage.listByPeriod(probeId, period);
        list.ok('table:usage', name, `reachable; ${usage.items.length} usage item(s) for ${period.key}`);
      } catch (error) {
        list.fail('table:usage', name, describeError(error), awsFix(deps.tables.usage, 'USAGE_TABLE'));
      }
    })(),
    (async () => {
      const name = `DynamoDB table ${deps.tables.ledger} (LEDGER_TABLE)`;
      try {
        await deps.ledger.list(probeId, period.key);
        list.ok('table:ledger', name, 'reachable');
      } catch (error) {
        list.fail('table:ledger', name, describeError(error), awsFix(deps.tables.ledger, 'LEDGER_TABLE'));
      }
    })(),
  ]);
  // Keep a stable order whatever finished first.
  const order = ['table:accounts', 'table:mappings', 'table:usage', 'table:ledger'];
  list.checks.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));

  const accountCheck = `Account ${selectedId ?? '(none)'}`;
  if (list.checks[0]?.status === 'failed') {
    list.skip('account', accountCheck, 'the accounts table cannot be read');
    return finish(selectedId, list);
  }
  if (!account) {
    list.fail(
      'account',
      accountCheck,
      selectedId === undefined ? `the accounts table ${deps.tables.accounts} is empty` : `no item with accountId "${selectedId}" in ${deps.tables.accounts}`,
      'add it: cwpub accounts put --account ID --secret-id SECRET --management-it-name NAME',
    );
    return finish(selectedId, list);
  }
  if (!('secretId' in account)) {
    list.fail(
      'account',
      accountCheck,
      `the account item is invalid: ${formatProblems(account.problems)}`,
      'rewrite it: cwpub accounts put --account ID --secret-id SECRET --management-it-name NAME',
    );
    return finish(selectedId, list);
  }
  const acct = account;
  const accountDetail = `secret ${acct.secretId}, Management IT "${acct.managementItName}", configuration type "${acct.configurationTypeName}"`;
  if (acct.enabled) list.ok('account', accountCheck, `enabled; ${accountDetail}`);
  else list.fail('account', accountCheck, `disabled (the monthly schedule skips it); ${accountDetail}`, `enable it: cwpub accounts enable --account ${acct.accountId}`);

  // --- AWS: the secret ---------------------------------------------------------------------------
  const secretCheck = `Secret ${acct.secretId}`;
  let secret: ConnectWiseSecret;
  try {
    secret = await deps.secrets.load(acct.secretId);
    list.ok('secret', secretCheck, `readable and valid (site ${secret.site}${secret.codebase ? `, codebase ${secret.codebase}` : ''})`);
  } catch (error) {
    const unreadable = error instanceof SecretError && error.code === 'SECRET_UNREADABLE';
    list.fail(
      'secret',
      secretCheck,
      describeError(error),
      unreadable
        ? `create the secret in AWS Secrets Manager (or fix secretId with cwpub accounts put) and allow secretsmanager:GetSecretValue on it`
        : 'store the ConnectWise JSON as the SecretString: {"site","companyId","publicKey","privateKey","clientId"[,"codebase"]}',
    );
    skipConnectWise(list, 'the secret cannot be used');
    return finish(acct.accountId, list);
  }

  // --- ConnectWise: reachability and credentials --------------------------------------------------
  const reachCheck = 'ConnectWise site and codebase';
  const credCheck = 'ConnectWise credentials and clientId';
  let cw: ConnectWiseInspectionPort;
  try {
    cw = await deps.connectWise(secret, acct);
  } catch (error) {
    list.fail('codebase', reachCheck, describeError(error), connectWiseFix(error, acct.secretId));
    list.skip('credentials', credCheck, 'ConnectWise cannot be reached');
    skipSetup(list, acct, 'ConnectWise cannot be reached');
    return finish(acct.accountId, list);
  }
  try {
    const info = await cw.systemInfo();
    list.ok('codebase', reachCheck, `reachable (${secret.site}${info.version ? `, version ${info.version}` : ''})`);
    list.ok('credentials', credCheck, 'accepted (GET system/info)');
  } catch (error) {
    const authProblem = error instanceof ConnectWiseHttpError && (error.status === 401 || error.status === 403);
    if (authProblem) {
      list.ok('codebase', reachCheck, `reachable (${secret.site})`);
      list.fail('credentials', credCheck, describeError(error), connectWiseFix(error, acct.secretId));
    } else {
      list.fail('codebase', reachCheck, describeError(error), connectWiseFix(error, acct.secretId));
      list.skip('credentials', credCheck, 'ConnectWise cannot be reached');
    }
    skipSetup(list, acct, authProblem ? 'ConnectWise refused the credentials' : 'ConnectWise cannot be reached');
    return finish(acct.accountId, list);
  }

  const guarded = async <T>(id: string, check: string, run: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await run();
    } catch (error) {
      list.fail(id, check, describeError(error), connectWiseFix(error, acct.secretId));
      return undefined;
    }
  };

  // --- ConnectWise: setup tables ------------------------------------------------------------------
  const solutionCheck = `Management IT solution "${acct.managementItName}"`;
  const solution = await guarded('solution', solutionCheck, async () => {
    const found = await cw.findManagementItSolutions(acct.managementItName);
    return checkSolution(list, solutionCheck, acct, found);
  });

  const managementCheck = 'Management record (Setup Tables > Management)';
  await guarded('management', managementCheck, async () => {
    const setups = await cw.listManagementSetups();
    const first = [...setups].sort((a, b) => a.id - b.id)[0];
    if (!first) {
      list.fail(
        'management',
        managementCheck,
        'there is no Management record: the publish cannot trigger the sync that turns configurations into agreement additions',
        `${MANAGEMENT_SETUP}: fill in and save the Management setup (integrator login, added/deleted configuration status)`,
      );
    } else {
      list.ok('management', managementCheck, `record #${first.id}${first.integratorLogin?.name ? ` (integrator login ${first.integratorLogin.name})` : ''}`);
    }
  });

  const typeCheck = `Configuration type "${acct.configurationTypeName}"`;
  await guarded('configurationType', typeCheck, async () => {
    const found = await cw.findConfigurationTypes(acct.configurationTypeName);
    checkConfigurationType(list, typeCheck, acct, found);
  });

  // --- Mappings → companies, device types, default agreements ------------------------------------
  const mappingsCheck = 'Mappings';
  if (!mappings) {
    list.skip('mappings', mappingsCheck, 'the mappings table cannot be read');
    list.skip('managementBackup', 'Management Backup', 'the mappings table cannot be read');
    return finish(acct.accountId, list);
  }
  const enabled = mappings.items.filter((m) => m.enabled);
  if (mappings.invalid.length > 0) {
    const keys = mappings.invalid.map((i) => `clientId=${i.key.clientId ?? '?'} (${formatProblems(i.problems)})`);
    list.fail('mappings', mappingsCheck, `${mappings.invalid.length} invalid mapping item(s): ${keys.join('; ')}`, 'fix them with cwpub mappings put, or re-import them');
  } else if (enabled.length === 0) {
    list.warn(
      'mappings',
      mappingsCheck,
      `no enabled mappings (${mappings.items.length} in total): nothing will be published`,
      'add mappings with cwpub mappings put or cwpub mappings import FILE.csv',
    );
  } else {
    list.ok('mappings', mappingsCheck, `${enabled.length} enabled, ${mappings.items.length - enabled.length} disabled`);
  }

  if (enabled.length === 0) {
    await checkBackups(list, cw, new Map(), guarded);
    return finish(acct.accountId, list);
  }
  if (!solution) {
    list.skip('managedIds', 'Managed IDs', `the Management IT solution "${acct.managementItName}" is not usable`);
    await checkBackups(list, cw, new Map(), guarded);
    return finish(acct.accountId, list);
  }

  const tab = await guarded('managedIds', 'Managed IDs', () => loadManagementTab(cw, deps.progress));
  const agreements = await guarded('agreements', 'Agreements', () => cw.listAgreements());
  if (!tab || !agreements) {
    list.skip('managementBackup', 'Management Backup', 'the Management tabs or agreements cannot be read');
    return finish(acct.accountId, list);
  }
  const typesInUse = checkMappings(list, acct, solution, enabled, tab, agreements);
  await checkBackups(list, cw, typesInUse, guarded);
  return finish(acct.accountId, list);
}

function finish(accountId: string | undefined, list: Checklist): DoctorReport {
  return { accountId: accountId ?? '', ready: list.checks.every((c) => c.status !== 'failed'), checks: list.checks };
}

function awsFix(table: string, variable: string): string {
  return `check that table ${table} exists in this region (${variable}), and that these AWS credentials may read it`;
}

function skipConnectWise(list: Checklist, because: string): void {
  list.skip('codebase', 'ConnectWise site and codebase', because);
  list.skip('credentials', 'ConnectWise credentials and clientId', because);
  list.skip('setup', 'ConnectWise setup (solution, Management record, configuration type, Managed IDs, Management Backup)', because);
}

function skipSetup(list: Checklist, account: Account, because: string): void {
  list.skip('setup', `ConnectWise setup for "${account.managementItName}" (solution, Management record, configuration type, Managed IDs, Management Backup)`, because);
}

function checkSolution(list: Checklist, check: string, account: Account, found: readonly ManagementItSolution[]): ManagementItSolution | undefined {
  const exact = found.find((s) => s.name === account.managementItName);
  if (!exact) {
    const near = found.map((s) => `"${s.name}"`).join(', ');
    list.fail(
      'solution',
      check,
      near ? `not found; ConnectWise has ${near} (names must match exactly, letter case included)` : 'not found',
      `${SOLUTION_SETUP}: add a solution named "${account.managementItName}" of type Custom (or correct managementItName with cwpub accounts put)`,
    );
    return undefined;
  }
  if (exact.managementItSolutionType !== undefined && exact.managementItSolutionType !== 'Custom') {
    list.fail(
      'solution',
      check,
      `exists (#${exact.id}) but its type is ${exact.managementItSolutionType}, not Custom`,
      `${SOLUTION_SETUP}: set the Management IT Solution type of "${exact.name}" to Custom`,
    );
    return exact;
  }
  list.ok('solution', check, `exists (#${exact.id}), type Custom${exact.managementSolutionName ? `, solution name "${exact.managementSolutionName}"` : ''}`);
  return exact;
}

function checkConfigurationType(list: Checklist, check: string, account: Account, found: readonly ConfigurationType[]): void {
  const exact = found.find((t) => t.name === account.configurationTypeName);
  if (!exact) {
    const near = found.map((t) => `"${t.name}"`).join(', ');
    list.fail(
      'configurationType',
      check,
      near ? `not found; ConnectWise has ${near} (names must match exactly)` : 'not found',
      `${TYPE_SETUP}: add a configuration type named "${account.configurationTypeName}"`,
    );
  } else if (exact.inactiveFlag) {
    list.fail('configurationType', check, `exists (#${exact.id}) but is inactive`, `${TYPE_SETUP}: make "${exact.name}" active again`);
  } else {
    list.ok('configurationType', check, `exists (#${exact.id}), active`);
  }
}

/**
 * One check per enabled mapping that has a problem (the Managed ID resolves to no company or to
 * several, device type not Backup Stats, no usable default agreement), and one summary check when
 * all are fine. Returns the agreement types of the default agreements in use.
 */
function checkMappings(
  list: Checklist,
  account: Account,
  solution: ManagementItSolution,
  enabled: readonly Mapping[],
  tab: ManagementTab,
  agreements: readonly Agreement[],
): Map<number, Reference> {
  const agreementById = new Map(agreements.map((a) => [a.id, a]));
  const typesInUse = new Map<number, Reference>();
  let good = 0;
  for (const mapping of [...enabled].sort((a, b) => a.clientId.localeCompare(b.clientId))) {
    const id = `mapping:${mapping.clientId}`;
    const check = `Managed ID "${mapping.managedId}" (client ${mapping.clientId})`;
    const resolution = resolveManagedId(tab, solution, mapping.managedId);
    if (resolution.matches.length === 0) {
      const hints: string[] = [];
      for (const o of resolution.otherSolution) {
        hints.push(`company ${o.company.identifier} has it for solution "${o.entry.managementSolution?.name ?? '?'}", not "${solution.name}"`);
      }
      for (const o of resolution.otherCase) hints.push(`company ${o.company.identifier} has "${o.entry.groupIdentifier}" (Managed IDs match case-sensitively)`);
      list.fail(
        id,
        check,
        `on no company's Management tab for solution "${solution.name}"${hints.length ? `; ${hints.join('; ')}` : ''}`,
        `ConnectWise: Companies > (the client's company) > Management tab: add Managed ID "${mapping.managedId}" with Management IT "${solution.name}" and device type Backup Stats (or fix the mapping with cwpub mappings put)`,
      );
      continue;
    }
    if (resolution.matches.length > 1) {
      list.fail(
        id,
        check,
        `on ${resolution.matches.length} companies (${resolution.matches.map((m) => m.company.identifier).join(', ')}); it must be on exactly one`,
        `ConnectWise: Companies > Management tab: keep Managed ID "${mapping.managedId}" on one company only`,
      );
      continue;
    }
    const { company, entry } = resolution.matches[0]!;
    const where = `company ${company.identifier} (#${company.id})`;
    const problems: string[] = [];
    const fixes: string[] = [];
    if (entry.deviceType !== 'BackupStats') {
      problems.push(`device type is ${entry.deviceType ?? 'not set'}, not Backup Stats`);
      fixes.push('set Device Type to Backup Stats');
    }
    const ref = entry.agreement;
    if (!ref) {
      problems.push('no default agreement (the sync bills nothing for this company)');
      fixes.push('pick the default Agreement the backup usage is billed on');
    } else {
      const agreement = agreementById.get(ref.id);
      if (!agreement) {
        problems.push(`default agreement #${ref.id} does not exist`);
        fixes.push('pick an existing default Agreement');
      } else {
        if (agreement.company?.id !== undefined && agreement.company.id !== company.id) {
          problems.push(`default agreement "${agreement.name}" belongs to another company (${agreement.company.identifier ?? agreement.company.id})`);
          fixes.push(`pick an agreement of ${company.identifier}`);
        }
        if (agreement.agreementStatus && agreement.agreementStatus !== 'Active') {
          problems.push(`default agreement "${agreement.name}" is ${agreement.agreementStatus}, not Active`);
          fixes.push('pick an Active agreement (or reactivate it under Finance > Agreements)');
        }
        if (agreement.type) typesInUse.set(agreement.type.id, agreement.type);
        else {
          problems.push(`default agreement "${agreement.name}" has no agreement type`);
          fixes.push('set the agreement type under Finance > Agreements');
        }
      }
    }
    if (problems.length > 0) {
      list.fail(
        id,
        check,
        `${where}: ${problems.join('; ')}`,
        `ConnectWise: Companies > ${company.identifier} > Management tab, entry "${mapping.managedId}": ${fixes.join('; ')}`,
      );
    } else good++;
  }
  if (good > 0) {
    list.ok(
      'managedIds',
      'Managed IDs',
      `${good} of ${enabled.length} enabled mapping(s) resolve to exactly one company, device type Backup Stats, with an Active default agreement`,
    );
  }
  return typesInUse;
}

async function checkBackups(
  list: Checklist,
  cw: ConnectWiseInspectionPort,
  typesInUse: ReadonlyMap<number, Reference>,
  guarded: <T>(id: string, check: string, run: () => Promise<T>) => Promise<T | undefined>,
): Promise<void> {
  const backups = await guarded('managementBackup', 'Management Backup', () => cw.listManagementBackups());
  if (!backups) return;
  if (typesInUse.size === 0) {
    if (backups.length === 0) {
      list.fail(
        'managementBackup',
        'Management Backup',
        'there is no Management Backup setup: the sync turns no configuration into an agreement addition',
        `${BACKUP_SETUP}: add the agreement type of your backup agreements, your backup product and billing level Detail`,
      );
    } else {
      list.ok('managementBackup', 'Management Backup', `${backups.length} setup(s); no default agreement in use to check them against`);
    }
    return;
  }
  for (const type of [...typesInUse.values()].sort((a, b) => a.id - b.id)) {
    checkBackupFor(list, type, backups);
  }
}

function checkBackupFor(list: Checklist, type: Reference, backups: readonly ManagementBackup[]): void {
  const typeName = type.name ?? `#${type.id}`;
  const id = `managementBackup:${type.id}`;
  const check = `Management Backup for agreement type "${typeName}"`;
  const setups = backups.filter((b) => b.type?.id === type.id);
  const setup = setups[0];
  if (!setup) {
    list.fail(
      id,
      check,
      `missing: default agreements of type "${typeName}" are in use, but no Management Backup setup names that type, so the sync bills nothing on them`,
      `${BACKUP_SETUP}: add agreement type "${typeName}", your backup product, billing level Detail`,
    );
    return;
  }
  const product = setup.item ? (setup.item.identifier ?? setup.item.name ?? `#${setup.item.id}`) : undefined;
  if (!product) {
    list.fail(id, check, `setup #${setup.id} has no product`, `${BACKUP_SETUP}: pick the backup product for agreement type "${typeName}"`);
    return;
  }
  const detail = `product ${product}, billing level ${setup.billingLevel ?? 'not set'}${setups.length > 1 ? ` (${setups.length} setups name this type)` : ''}`;
  if (setup.billingLevel === 'Summary') {
    list.warn(
      id,
      check,
      `${detail}: Summary bills one total addition per agreement instead of one addition per client`,
      `${BACKUP_SETUP}: set billing level Detail for agreement type "${typeName}" if each client should be its own addition`,
    );
  } else {
    list.ok(id, check, detail);
  }
}
