import { SETUP_LOCATIONS } from '../publisher/setup.js';

/** Where each piece of the ConnectWise setup is fixed, as the doctor's "how to fix" says it. */
export const FIX_IN = {
  solution: `ConnectWise: ${SETUP_LOCATIONS.solution}`,
  management: `ConnectWise: ${SETUP_LOCATIONS.management}`,
  configurationType: `ConnectWise: ${SETUP_LOCATIONS.configurationType}`,
  // Not a piece the publish looks up (only the doctor and the sync read it), so not in SETUP_LOCATIONS.
  managementBackup: 'ConnectWise: System > Setup Tables > Management Backup',
} as const;

export function awsTableFix(table: string, variable: string): string {
  return `check that table ${table} exists in this region (${variable}), and that these AWS credentials may read it`;
}
