import * as z from 'zod';
import { ACCOUNT_DEFAULTS } from '../contract.js';
import { conditionSafeName, keySchema } from '../input/schemas.js';
import { booleanText, field, itemSchema, positiveText, type ItemOf, type RecordOf } from './field.js';

/** The Accounts item (contract "DynamoDB items"): one row per attribute, one item per ConnectWise site. */
export const ACCOUNT_FIELDS = {
  accountId: field({
    schema: keySchema(),
    presence: 'key',
    help: 'account ID (the key of the item)',
    label: 'Account',
    flag: '--account',
    column: 'ACCOUNT',
  }),
  enabled: field({
    schema: z.boolean(),
    presence: 'defaulted',
    default: true,
    help: 'whether the schedule publishes the account',
    label: 'Enabled',
    flag: '--enabled/--disabled',
    column: 'ENABLED',
    input: booleanText,
  }),
  secretId: field({
    schema: z.string().min(1),
    presence: 'required',
    help: 'Secrets Manager secret holding the ConnectWise credentials (required for a new account)',
    label: 'Secret',
    flag: '--secret-id',
    placeholder: '<name-or-arn>',
    column: 'SECRET',
  }),
  managementItName: field({
    schema: conditionSafeName(30),
    presence: 'required',
    help: 'the Management IT solution name set up in ConnectWise (required for a new account)',
    label: 'Management IT name',
    flag: '--management-it-name',
    placeholder: '<name>',
    column: 'MANAGEMENT IT',
  }),
  configurationTypeName: field({
    schema: conditionSafeName(50),
    presence: 'defaulted',
    default: ACCOUNT_DEFAULTS.configurationTypeName,
    help: `configuration type to publish (default: ${ACCOUNT_DEFAULTS.configurationTypeName})`,
    label: 'Configuration type',
    flag: '--configuration-type-name',
    placeholder: '<name>',
    column: 'CONFIGURATION TYPE',
  }),
  /** Plausibility cap on one client's billed GB (contract v2). */
  maxBillableSpaceGb: field({
    schema: z.number().finite().positive(),
    presence: 'defaulted',
    default: ACCOUNT_DEFAULTS.maxBillableSpaceGb,
    help: `billable space above this fails the client (default: ${ACCOUNT_DEFAULTS.maxBillableSpaceGb})`,
    label: 'Max GB per client',
    flag: '--max-billable-space-gb',
    placeholder: '<gb>',
    column: 'MAX GB',
    numeric: true,
    input: positiveText,
  }),
  /** ConnectWise request budget per rolling minute for the account's site (contract v2). */
  requestsPerMinute: field({
    schema: z.number().int().min(1).max(100_000),
    presence: 'defaulted',
    default: ACCOUNT_DEFAULTS.requestsPerMinute,
    help: `ConnectWise requests per minute to the site (default: ${ACCOUNT_DEFAULTS.requestsPerMinute})`,
    label: 'Requests per minute',
    flag: '--requests-per-minute',
    placeholder: '<n>',
    column: 'REQ/MIN',
    numeric: true,
    input: positiveText,
  }),
};

export const accountItemSchema = itemSchema(ACCOUNT_FIELDS);
export type AccountItem = ItemOf<typeof ACCOUNT_FIELDS>;
export type Account = RecordOf<typeof ACCOUNT_FIELDS>;
