import * as z from 'zod';
import { field, gbSchema, gbText, itemSchema, type ItemOf } from './field.js';

/** The Usage item (contract "DynamoDB items"), one row per attribute. Written by metering or `cwpub usage import`. */
export const USAGE_FIELDS = {
  accountId: field({ schema: z.string().min(1), presence: 'key', help: 'the account', label: 'Account' }),
  usageKey: field({ schema: z.string().min(1), presence: 'key', help: '<YYYY-MM>#<clientId>', label: 'Key' }),
  clientId: field({
    schema: z.string().min(1),
    presence: 'required',
    help: 'the backup client ID',
    label: 'Client',
    column: 'CLIENT',
    csv: 'required',
  }),
  period: field({
    schema: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'must be YYYY-MM' }),
    presence: 'required',
    help: 'the month, YYYY-MM',
    label: 'Period',
    column: 'PERIOD',
    csv: 'required',
  }),
  billableSpaceGb: field({
    schema: gbSchema,
    presence: 'required',
    help: "the client's usage for the month, in GB",
    label: 'Usage GB',
    column: 'GB',
    numeric: true,
    csv: 'required',
    input: gbText,
  }),
  // No length limit: a long name from the metering must never make billing fail.
  clientName: field({
    schema: z.string(),
    presence: 'optional',
    help: "the metering's name for the client (contract v3; onboarding suggestions match on it)",
    label: 'Name',
    csv: 'optional',
  }),
};

export const usageItemSchema = itemSchema(USAGE_FIELDS);
export type UsageItem = ItemOf<typeof USAGE_FIELDS>;
