import type { Rule } from './runner.js';
import type { DoctorContext } from './types.js';
import { accountItem, accountLimits } from './rules/account.js';
import { AWS_TABLE_RULES } from './rules/aws-tables.js';
import { configurationType } from './rules/configuration-type.js';
import { codebase, credentials } from './rules/connection.js';
import { managedIds } from './rules/managed-ids.js';
import { management, managementStatuses } from './rules/management.js';
import { managementBackup } from './rules/management-backup.js';
import { mappings } from './rules/mappings.js';
import { secret } from './rules/secret.js';
import { solution } from './rules/solution.js';
import { suggestions } from './rules/suggestions.js';

/**
 * The setup guide's checklist, in report order: AWS (tables, account, secret), the ConnectWise
 * connection, the setup tables, then the account's mappings against the companies. A new check is one
 * module and one line here.
 */
export const DOCTOR_PACK: readonly Rule<DoctorContext>[] = [
  ...AWS_TABLE_RULES,
  accountItem,
  accountLimits,
  secret,
  codebase,
  credentials,
  solution,
  management,
  managementStatuses,
  configurationType,
  mappings,
  managedIds,
  managementBackup,
  suggestions,
];
