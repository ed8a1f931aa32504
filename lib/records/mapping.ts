import * as z from 'zod';
import { keySchema, MAX_IDENTIFIER_LENGTH } from '../input/schemas.js';
import { booleanText, field, gbSchema, gbText, itemSchema, type ItemOf, type RecordOf } from './field.js';

/**
 * The Mappings item (contract "DynamoDB items"): one row per attribute. A new attribute is a row here
 * plus the code that uses it; the item schema, the `Mapping` type, the repository, `cwpub mappings
 * put/list/import` and the import's comparison follow from this table.
 */
export const MAPPING_FIELDS = {
  accountId: field({ schema: z.string().min(1), presence: 'key', help: 'the account', label: 'Account' }),
  // The same rules as the CLI's (lib/imports/item-keys.ts): a hand-edited item is checked like typed input.
  clientId: field({
    schema: keySchema(MAX_IDENTIFIER_LENGTH),
    presence: 'key',
    help: 'the backup client ID',
    label: 'Client',
    flag: '--client',
    column: 'CLIENT',
    csv: 'required',
  }),
  managedId: field({
    schema: z.string().min(1).max(MAX_IDENTIFIER_LENGTH),
    presence: 'required',
    help: "the Managed ID on the company's Management tab (required for a new mapping)",
    label: 'Managed ID',
    flag: '--managed-id',
    placeholder: '<id>',
    column: 'MANAGED ID',
    csv: 'required',
  }),
  clientName: field({
    schema: z.string().max(MAX_IDENTIFIER_LENGTH),
    presence: 'optional',
    help: 'a name for people (also the name of a new configuration)',
    label: 'Name',
    flag: '--client-name',
    placeholder: '<name>',
    column: 'NAME',
    csv: 'optional',
  }),
  enabled: field({
    schema: z.boolean(),
    presence: 'defaulted',
    default: true,
    help: 'whether the client is published (a disabled mapping stops its billing)',
    label: 'Publish',
    column: 'ENABLED',
    csv: 'optional',
    input: booleanText,
  }),
  /** Included allowance (contract v3): usage the plan already includes; only the overage is billed. */
  includedGb: field({
    schema: gbSchema,
    presence: 'optional',
    default: 0,
    help: "GB the client's plan includes: only usage above it is billed (default 0)",
    label: 'Included GB',
    flag: '--included-gb',
    placeholder: '<gb>',
    column: 'INCLUDED GB',
    numeric: true,
    csv: 'optional',
    input: gbText,
  }),
};

export const mappingItemSchema = itemSchema(MAPPING_FIELDS);
export type MappingItem = ItemOf<typeof MAPPING_FIELDS>;
export type Mapping = RecordOf<typeof MAPPING_FIELDS>;
