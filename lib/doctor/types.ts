import type { ConnectWiseInspectionPort } from '../publisher/ports/connectwise.js';
import type { Agreement, ManagementItSolution, ManagementSetup, Reference } from '../connectwise/types.js';
import type { Period } from '../period.js';
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
  Validated,
} from '../publisher/ports/index.js';
import type { ManagementTab } from '../publisher/resolution.js';
import type { findSetupCandidates } from '../publisher/setup.js';
import type { ConnectWiseSecret } from '../input/schemas.js';
import type { ProgressPort as Progress } from '../publisher/ports/reporting.js';

export type CheckStatus = 'ok' | 'warning' | 'failed' | 'skipped';

/** One row of the doctor's report. */
export interface DoctorCheck {
  /** Stable machine key, e.g. `secret`, `solution`, `mapping:<clientId>`. */
  readonly id: string;
  readonly check: string;
  /** False only for `failed` (warnings do not stop the setup from working). */
  readonly ok: boolean;
  readonly status: CheckStatus;
  readonly detail: string;
  readonly fix?: string;
  /** On a `skipped` row: the id of the check it depends on, which failed or was skipped itself. */
  readonly blockedBy?: string;
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
  readonly tables: {
    readonly accounts: string;
    readonly mappings: string;
    readonly usage: string;
    readonly ledger: string;
  };
  readonly secrets: SecretsPort;
  readonly connectWise: InspectionFactory;
  readonly now: Date;
  readonly progress: Progress;
}

type SetupCandidates = Awaited<ReturnType<typeof findSetupCandidates>>;

/**
 * What the checks found so far. A check writes the facts its dependents read; the runner only runs a
 * check after the checks it depends on passed, so a fact a dependency provides is there when read
 * (`need` turns a broken dependency declaration into a clear failure instead of a silent undefined).
 */
export interface DoctorFacts {
  /** The account id the report is about: `--account`, or the only account's. */
  selectedId?: string;
  accountItem?: Account | InvalidItem;
  account?: Account;
  mappings?: Validated<Mapping>;
  secret?: ConnectWiseSecret;
  connectWise?: ConnectWiseInspectionPort;
  /** The 401/403 `system/info` answered: the site is reachable, the credentials are not accepted. */
  credentialsRefused?: unknown;
  /** One shared solution/type look-up for the `solution` and `configurationType` checks. */
  setupCandidates?: Promise<SetupCandidates>;
  solution?: ManagementItSolution;
  management?: ManagementSetup;
  tab?: ManagementTab;
  agreements?: readonly Agreement[];
  /** Agreement types of the default agreements the enabled mappings bill on. */
  typesInUse?: ReadonlyMap<number, Reference>;
}

export interface DoctorContext {
  readonly deps: DoctorDeps;
  /** `--account`, when given. */
  readonly requestedAccountId: string | undefined;
  /** The month a publish now would bill (the usage table is probed for it). */
  readonly period: Period;
  readonly facts: DoctorFacts;
}

/** A fact a dependency must have provided. */
export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`doctor: ${what} is not known (a check ran before the check that finds it)`);
  return value;
}
