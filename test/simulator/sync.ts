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
  BillingLevel,
  ConfigurationRecord,
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
  const typeName = state.backupConfigurationTypeName.toLowerCase();
  const management = state.management.get(managementId);
  const desired = new Map<string, DesiredAddition>();

  for (const entry of state.managementEntries) {
    run.entriesConsidered++;
    const companyId = entry.company.id;
    const skip = (reason: string): void => {
      run.skipped.push({ entryId: entry.id, companyId, reason });
    };
    if (entry.deviceType !== 'BackupStats') {
      skip(`deviceType is ${entry.deviceType ?? 'not set'}, not BackupStats`);
      continue;
    }
    if (!state.managementItSolutions.has(entry.managementSolution.id)) {
      skip(`management solution ${entry.managementSolution.id} does not exist`);
      continue;
    }
    const agreementRef = entry.agreement;
    if (!agreementRef) {
      skip('no default agreement');
      continue;
    }
    const agreement = state.agreements.get(agreementRef.id);
    if (!agreement) {
      skip(`agreement ${agreementRef.id} does not exist`);
      continue;
    }
    if (agreement.company.id !== companyId) {
      skip(`agreement ${agreement.id} belongs to another company`);
      continue;
    }
    if (agreement.agreementStatus !== 'Active' || agreement.cancelledFlag) {
      skip(`agreement ${agreement.id} is ${agreement.agreementStatus}`);
      continue;
    }
    const backup = state.managementBackups.find((b) => b.type.id === agreement.type.id);
    if (!backup) {
      skip(`no Management Backup setup for agreement type ${agreement.type.id}`);
      continue;
    }
    const item = state.catalogItems.get(backup.item.id);
    if (!item) {
      skip(`catalog item ${backup.item.id} does not exist`);
      continue;
    }
    const configurations = state.configurations.byIndex('company', companyId).filter((c) => {
      if (c.company.id !== companyId || !isConfigurationBillable(state, c, management)) return false;
      const type = state.configurationTypes.get(c.type.id);
      return type !== undefined && type.name.toLowerCase() === typeName;
    });
    if (backup.billingLevel === 'Summary') {
      if (configurations.length === 0) continue;
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
    } else {
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
  }

  const now = state.timestamp();
  // Additions carry dates, not times (ConnectWise shows them as days).
  const today = `${now.slice(0, 10)}T00:00:00Z`;
  for (const [key, want] of desired) {
    const item = state.catalogItems.get(want.itemId);
    const agreement = state.agreements.get(want.agreementId);
    if (!item || !agreement) continue;
    const description = `${item.description}: ${want.label}`;
    const unitPrice = item.price ?? 0;
    const unitCost = item.cost ?? 0;
    const existingId = state.syncedAdditions.get(key);
    const existing = existingId === undefined ? undefined : state.additions.get(existingId);
    if (existing && !existing.cancelledDate) {
      state.additionSources.set(existing.id, { level: want.level, configurationIds: want.configurationIds });
      if (existing.quantity !== want.quantity || existing.description !== description) {
        const updated: AdditionRecord = {
          ...existing,
          quantity: want.quantity,
          description,
          invoiceDescription: description,
          extPrice: round(want.quantity * (existing.unitPrice ?? 0)),
          extCost: round(want.quantity * (existing.unitCost ?? 0)),
          _info: { ...existing._info, lastUpdated: now, updatedBy: 'ManagedItSync' },
        };
        state.additions.replace(updated);
        run.additionsUpdated++;
      }
      continue;
    }
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
    run.additionsCreated++;
  }

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

  state.syncRuns.push(run);
  return run;
}
