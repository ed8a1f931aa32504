/**
 * A MODEL of ConnectWise's Management IT sync ("Sync Now", POST
 * company/management/{id}/executeManagedItSync), from REFERENCE.md "How the sync bills".
 * It is the common reading of the backup vendors' setup guides, not verified against a real
 * ConnectWise:
 *
 * For every Management tab entry (any company, any solution) with deviceType BackupStats and
 * a default agreement that is Active, belongs to the entry's company, and whose agreement
 * type has a Management Backup setup (agreement type → catalog item + billing level):
 *   the company's ACTIVE configurations (activeFlag not false and status not closed) of the
 *   type named `state.backupConfigurationTypeName` (default 'Backup Stats', case-insensitive)
 *   become additions of the setup's catalog item on that agreement:
 *   - Detail: one addition per configuration, quantity = its backupBillableSpaceGb (null → 0),
 *     description and invoiceDescription naming the configuration (deviceIdentifier, else name);
 *   - Summary: one addition, quantity = the sum (none when there is no configuration).
 * Re-syncing updates the quantities of the additions it made before (tracked in
 * `state.syncedAdditions`) instead of adding duplicates; an addition it made whose
 * configuration is no longer billable (see `isConfigurationBillable`), was deleted, or no
 * longer qualifies (entry, agreement or setup gone) gets cancelledDate = the sync's date and
 * stays cancelled. A configuration that becomes billable again gets a NEW addition: additions
 * that were invoiced are history, so reviving a cancelled one would rewrite what was billed.
 * The sync runs synchronously, before the POST answers (whether the real one returns before
 * it finishes is unconfirmed). Every run is appended to `state.syncRuns`.
 */
import type {
  AdditionRecord,
  AgreementRecord,
  BillingLevel,
  CatalogItemRecord,
  ConfigurationRecord,
  ManagementBackupRecord,
  ManagementEntryRecord,
  ManagementRecord,
  SimulatorState,
  SyncRun,
} from './state.js';

interface DesiredAddition {
  agreementId: number;
  itemId: number;
  quantity: number;
  label: string;
  level: BillingLevel;
  /** The configurations the addition bills (one for Detail, all of the company's for Summary). */
  configurationIds: number[];
}

/**
 * UNCONFIRMED MODEL (REFERENCE.md "How the sync bills"): which configurations the sync bills.
 * No public source says what the real sync does with deactivated or closed-status ones; this
 * is the strict reading. Billable = `activeFlag` not false, AND its status is not a closed
 * status (`closedFlag`), AND its status is not the Management record's
 * `deletedConfigurationStatus` (the status ConnectWise's integrations give configurations they
 * remove) — unless that record names the same status for added and deleted, which would make
 * every added configuration unbillable. So a product that re-activates a retired configuration
 * must set `activeFlag` true AND move it off the deleted status, or it stays unbilled.
 * Change the rule here only.
 */
export function isConfigurationBillable(
  state: SimulatorState,
  configuration: ConfigurationRecord,
  management?: ManagementRecord,
): boolean {
  if (configuration.activeFlag === false) return false;
  const statusId = configuration.status?.id;
  if (statusId === undefined) return true;
  if (state.configurationStatuses.get(statusId)?.closedFlag) return false;
  const deletedId = management?.deletedConfigurationStatus?.id;
  return !(deletedId === statusId && management?.addedConfigurationStatus?.id !== deletedId);
}

/** @deprecated kept for existing callers: the billing rule without a Management record. Use isConfigurationBillable. */
export function isConfigurationActive(state: SimulatorState, configuration: ConfigurationRecord): boolean {
  return isConfigurationBillable(state, configuration);
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** What an entry bills through: its default agreement, that agreement type's setup and product. */
interface EntryBilling {
  agreement: AgreementRecord;
  backup: ManagementBackupRecord;
  item: CatalogItemRecord;
}

/** The entry's billing route, or why the sync skips it (the checks run in this order). */
function entryBilling(state: SimulatorState, entry: ManagementEntryRecord): EntryBilling | string {
  if (entry.deviceType !== 'BackupStats') return `deviceType is ${entry.deviceType ?? 'not set'}, not BackupStats`;
  if (!state.managementItSolutions.has(entry.managementSolution.id))
    return `management solution ${entry.managementSolution.id} does not exist`;
  const agreementRef = entry.agreement;
  if (!agreementRef) return 'no default agreement';
  const agreement = state.agreements.get(agreementRef.id);
  if (!agreement) return `agreement ${agreementRef.id} does not exist`;
  if (agreement.company.id !== entry.company.id) return `agreement ${agreement.id} belongs to another company`;
  if (agreement.agreementStatus !== 'Active' || agreement.cancelledFlag)
    return `agreement ${agreement.id} is ${agreement.agreementStatus}`;
  const backup = state.managementBackups.find((b) => b.type.id === agreement.type.id);
  if (!backup) return `no Management Backup setup for agreement type ${agreement.type.id}`;
  const item = state.catalogItems.get(backup.item.id);
  if (!item) return `catalog item ${backup.item.id} does not exist`;
  return { agreement, backup, item };
}

/** The company's billable configurations of the billed type (`typeName` lower-cased). */
function billedConfigurations(
  state: SimulatorState,
  companyId: number,
  typeName: string,
  management: ManagementRecord | undefined,
): ConfigurationRecord[] {
  return state.configurations.byIndex('company', companyId).filter((c) => {
    if (c.company.id !== companyId || !isConfigurationBillable(state, c, management)) return false;
    const type = state.configurationTypes.get(c.type.id);
    return type !== undefined && type.name.toLowerCase() === typeName;
  });
}

/** Adds the additions one entry should have (keyed so a re-sync finds its own) to `desired`. */
function addEntryAdditions(
  state: SimulatorState,
  desired: Map<string, DesiredAddition>,
  companyId: number,
  { agreement, backup, item }: EntryBilling,
  configurations: ConfigurationRecord[],
): void {
  if (backup.billingLevel === 'Summary') {
    if (configurations.length === 0) return;
    const quantity = round(configurations.reduce((sum, c) => sum + (c.backupBillableSpaceGb ?? 0), 0));
    const company = state.companies.get(companyId);
    desired.set(`summary:${agreement.id}:${item.id}`, {
      agreementId: agreement.id,
      itemId: item.id,
      quantity,
      label: `${company?.name ?? `company ${companyId}`} (${configurations.length} configurations)`,
      level: 'Summary',
      configurationIds: configurations.map((c) => c.id),
    });
    return;
  }
  for (const c of configurations) {
    desired.set(`detail:${agreement.id}:${item.id}:${c.id}`, {
      agreementId: agreement.id,
      itemId: item.id,
      quantity: round(c.backupBillableSpaceGb ?? 0),
      label: c.deviceIdentifier ?? c.name,
      level: 'Detail',
      configurationIds: [c.id],
    });
  }
}

/** Every addition the sync wants to exist now; entries it cannot bill are recorded in `run.skipped`. */
function desiredAdditions(
  state: SimulatorState,
  management: ManagementRecord | undefined,
  run: SyncRun,
): Map<string, DesiredAddition> {
  const typeName = state.backupConfigurationTypeName.toLowerCase();
  const desired = new Map<string, DesiredAddition>();
  for (const entry of state.managementEntries) {
    run.entriesConsidered++;
    const companyId = entry.company.id;
    const billing = entryBilling(state, entry);
    if (typeof billing === 'string') {
      run.skipped.push({ entryId: entry.id, companyId, reason: billing });
      continue;
    }
    addEntryAdditions(state, desired, companyId, billing, billedConfigurations(state, companyId, typeName, management));
  }
  return desired;
}

/** When the sync writes: `now` for _info, `today` (a date, as ConnectWise shows additions) for dates. */
interface SyncClock {
  now: string;
  today: string;
}

/** Brings an addition the sync made before up to date; returns whether it changed. */
function updateSyncedAddition(
  state: SimulatorState,
  existing: AdditionRecord,
  want: DesiredAddition,
  description: string,
  { now }: SyncClock,
): boolean {
  state.additionSources.set(existing.id, { level: want.level, configurationIds: want.configurationIds });
  if (existing.quantity === want.quantity && existing.description === description) return false;
  state.additions.replace({
    ...existing,
    quantity: want.quantity,
    description,
    invoiceDescription: description,
    extPrice: round(want.quantity * (existing.unitPrice ?? 0)),
    extCost: round(want.quantity * (existing.unitCost ?? 0)),
    _info: { ...existing._info, lastUpdated: now, updatedBy: 'ManagedItSync' },
  });
  return true;
}

/** Inserts a new addition for `want` and remembers it under `key` for later syncs. */
function createSyncedAddition(
  state: SimulatorState,
  key: string,
  want: DesiredAddition,
  item: CatalogItemRecord,
  agreement: AgreementRecord,
  { now, today }: SyncClock,
): void {
  const description = `${item.description}: ${want.label}`;
  const unitPrice = item.price ?? 0;
  const unitCost = item.cost ?? 0;
  const created = state.additions.insert({
    product: { id: item.id, identifier: item.identifier },
    quantity: want.quantity,
    lessIncluded: 0,
    unitPrice,
    unitCost,
    billCustomer: 'Billable',
    effectiveDate: today,
    taxableFlag: false,
    invoiceDescription: description,
    purchaseItemFlag: false,
    specialOrderFlag: false,
    agreementId: agreement.id,
    description,
    billedQuantity: 0,
    uom: 'GB',
    extPrice: round(want.quantity * unitPrice),
    extCost: round(want.quantity * unitCost),
    agreementStatus: agreement.agreementStatus,
    _info: { lastUpdated: now, updatedBy: 'ManagedItSync', dateEntered: now, enteredBy: 'ManagedItSync' },
  });
  state.syncedAdditions.set(key, created.id);
  state.additionSources.set(created.id, { level: want.level, configurationIds: want.configurationIds });
}

/** Updates the live additions the sync made before and creates the rest (a cancelled one is never revived). */
function applyDesiredAdditions(
  state: SimulatorState,
  desired: Map<string, DesiredAddition>,
  run: SyncRun,
  clock: SyncClock,
): void {
  for (const [key, want] of desired) {
    const item = state.catalogItems.get(want.itemId);
    const agreement = state.agreements.get(want.agreementId);
    if (!item || !agreement) continue;
    const existingId = state.syncedAdditions.get(key);
    const existing = existingId === undefined ? undefined : state.additions.get(existingId);
    if (existing && !existing.cancelledDate) {
      if (updateSyncedAddition(state, existing, want, `${item.description}: ${want.label}`, clock))
        run.additionsUpdated++;
      continue;
    }
    createSyncedAddition(state, key, want, item, agreement, clock);
    run.additionsCreated++;
  }
}

/** Cancels (cancelledDate = today) every live addition the sync made that is no longer desired. */
function cancelUndesiredAdditions(
  state: SimulatorState,
  desired: Map<string, DesiredAddition>,
  run: SyncRun,
  { now, today }: SyncClock,
): void {
  for (const [key, additionId] of state.syncedAdditions) {
    if (desired.has(key)) continue;
    const addition = state.additions.get(additionId);
    if (!addition || addition.cancelledDate) continue;
    state.additions.replace({
      ...addition,
      cancelledDate: today,
      _info: { ...addition._info, lastUpdated: now, updatedBy: 'ManagedItSync' },
    });
    run.additionsCancelled++;
  }
}

export function runManagedItSync(state: SimulatorState, managementId: number): SyncRun {
  const run: SyncRun = {
    id: state.syncRuns.length + 1,
    managementId,
    at: state.timestamp(),
    entriesConsidered: 0,
    additionsCreated: 0,
    additionsUpdated: 0,
    additionsCancelled: 0,
    skipped: [],
  };
  const desired = desiredAdditions(state, state.management.get(managementId), run);
  const now = state.timestamp();
  // Additions carry dates, not times (ConnectWise shows them as days).
  const clock: SyncClock = { now, today: `${now.slice(0, 10)}T00:00:00Z` };
  applyDesiredAdditions(state, desired, run, clock);
  cancelUndesiredAdditions(state, desired, run, clock);
  state.syncRuns.push(run);
  return run;
}
