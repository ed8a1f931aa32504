/** The ConnectWise records this product reads and writes (subset of ConnectWise's OpenAPI 2025.x schemas). */

export interface Reference {
  readonly id: number;
  readonly name?: string;
  readonly identifier?: string;
}

export interface Company {
  readonly id: number;
  readonly identifier: string;
  readonly name: string;
  readonly deletedFlag?: boolean;
}

/** A company's Management tab entry (`CompanyManagementSummary`). */
export interface ManagementEntry {
  readonly id: number;
  readonly groupIdentifier: string;
  readonly managementSolution?: { readonly id?: number | null; readonly name?: string; readonly setupName?: string };
  readonly deviceType?: string | null;
  readonly agreement?: Reference | null;
  readonly company?: Reference | null;
}

/** A new Management tab entry (onboarding, contract v3); the company comes from the URL. */
export interface NewManagementEntry {
  readonly groupIdentifier: string;
  readonly managementSolution: { readonly id: number };
  readonly deviceType: 'BackupStats';
  /** The default agreement the sync bills on (set when exactly one qualifies). */
  readonly agreement?: { readonly id: number };
}

export interface ManagementItSolution {
  readonly id: number;
  readonly name: string;
  readonly managementItSolutionType?: string;
  readonly managementSolutionName?: string | null;
}

export interface ConfigurationType {
  readonly id: number;
  readonly name: string;
  readonly inactiveFlag?: boolean;
}

/** `Company.Configuration`, the fields we use. */
export interface Configuration {
  readonly id: number;
  readonly name: string;
  readonly type: Reference;
  readonly company: Reference;
  readonly deviceIdentifier?: string | null;
  readonly activeFlag?: boolean;
  readonly backupBillableSpaceGb?: number | null;
  readonly backupYear?: number | null;
  readonly backupMonth?: number | null;
  /** The configuration's status (`company/configurations/statuses`); retiring sets the Management record's deleted status. */
  readonly status?: Reference | null;
  /** Free text for the integration that manages the configuration; carries the ownership line (contract v3). */
  readonly vendorNotes?: string | null;
}

export interface NewConfiguration {
  readonly name: string;
  readonly type: { readonly id: number };
  readonly company: { readonly id: number };
  readonly deviceIdentifier: string;
  readonly activeFlag: boolean;
  readonly backupBillableSpaceGb: number;
  readonly backupYear: number;
  readonly backupMonth: number;
  /** The Management record's addedConfigurationStatus, when it names one. */
  readonly status?: { readonly id: number };
  /** The ownership line (contract v3). */
  readonly vendorNotes: string;
}

/** The JSON Patch operations the product sends: the usage values, `activeFlag`, and `status` (by id). */
export type PatchOperation =
  | {
      readonly op: 'replace';
      readonly path: 'backupBillableSpaceGb' | 'backupYear' | 'backupMonth';
      readonly value: number;
    }
  | { readonly op: 'replace'; readonly path: 'activeFlag'; readonly value: boolean }
  | { readonly op: 'replace'; readonly path: 'status'; readonly value: { readonly id: number } }
  | { readonly op: 'replace'; readonly path: 'vendorNotes'; readonly value: string };

/** Setup Tables > Management. */
export interface ManagementSetup {
  readonly id: number;
  readonly integratorLogin?: Reference | null;
  readonly addedConfigurationStatus?: Reference | null;
  readonly deletedConfigurationStatus?: Reference | null;
}

export interface SyncResult {
  readonly success: boolean;
  readonly message?: string;
}

export interface ManagementBackup {
  readonly id: number;
  readonly type?: Reference | null;
  readonly item?: Reference | null;
  readonly billingLevel?: string | null;
}

export interface Agreement {
  readonly id: number;
  readonly name: string;
  readonly type?: Reference | null;
  readonly company?: Reference | null;
  readonly agreementStatus?: string | null;
}

export interface Addition {
  readonly id: number;
  readonly product?: Reference | null;
  readonly quantity?: number | null;
  readonly description?: string | null;
  readonly invoiceDescription?: string | null;
  readonly serialNumber?: string | null;
  readonly cancelledDate?: string | null;
  readonly effectiveDate?: string | null;
  readonly agreementId?: number | null;
}

export interface SystemInfo {
  readonly version?: string;
  readonly isCloud?: boolean;
  readonly serverTimeZone?: string;
  readonly cloudRegion?: string;
}
