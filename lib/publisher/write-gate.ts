import type { ConnectWisePort } from './ports/connectwise.js';

/**
 * Lease left that a write needs before it is sent: more than one request can take (the client's
 * 30-second per-attempt timeout, twice, for the socket and a slow answer).
 */
export const WRITE_LEASE_MARGIN_MS = 60_000;

export interface WriteChecks {
  /**
   * Before a create or a PATCH (a change: the sync becomes owed). Throws to stop the write; returns a
   * promise only when it must wait (a renewal), so a write otherwise starts at once.
   */
  readonly beforeWrite: () => Promise<void> | undefined;
  /** Before the Management sync. Throws to stop it. */
  readonly beforeSync: () => Promise<void> | undefined;
}

/** The port with every write behind the run's checks (reads pass straight through). */
export function guardWrites(port: ConnectWisePort, checks: WriteChecks): ConnectWisePort {
  return {
    findManagementItSolutions: (name) => port.findManagementItSolutions(name),
    findConfigurationTypes: (name) => port.findConfigurationTypes(name),
    listCompanies: () => port.listCompanies(),
    listCompaniesByIds: (ids) => port.listCompaniesByIds(ids),
    listManagementEntries: (companyId) => port.listManagementEntries(companyId),
    listConfigurations: (typeName, companyId) => port.listConfigurations(typeName, companyId),
    getConfiguration: (id) => port.getConfiguration(id),
    listManagementSetups: () => port.listManagementSetups(),
    requestCount: () => port.requestCount(),
    createConfiguration: (input) => after(checks.beforeWrite, () => port.createConfiguration(input)),
    patchConfiguration: (id, operations) => after(checks.beforeWrite, () => port.patchConfiguration(id, operations)),
    executeManagedItSync: (managementId) => after(checks.beforeSync, () => port.executeManagedItSync(managementId)),
  };
}

function after<T>(check: () => Promise<void> | undefined, write: () => Promise<T>): Promise<T> {
  try {
    const waiting = check();
    return waiting ? waiting.then(write) : write();
  } catch (error) {
    return Promise.reject(error);
  }
}
