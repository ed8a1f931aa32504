import type { Mapping } from '../publisher/ports/index.js';
import { mergeRecord, readText } from '../records/field.js';
import { MAPPING_FIELDS, mappingItemSchema } from '../records/mapping.js';
import { MAX_IDENTIFIER_LENGTH } from '../input/schemas.js';

/**
 * The page's editable fields: which mapping attributes it edits and with which control. Column
 * headings, how typed text is read and every check come from the mapping descriptor
 * (lib/records/mapping.ts), like every other write path; the page adds only the accessible names the
 * contract fixes (`Publish ID`, `Managed ID for ID`) and the form names.
 */
export type PageFieldKey = 'enabled' | 'managedId' | 'includedGb';

export interface PageField {
  /** The mapping attribute the control edits. */
  readonly key: PageFieldKey;
  readonly control: 'checkbox' | 'text';
  /** The column heading (the descriptor's label). */
  readonly column: string;
  /** The control's accessible name for one client. */
  readonly label: (clientId: string) => string;
  /** Form field name for one client (the `was.` prefix carries the value the page showed). */
  readonly formName: (clientId: string) => string;
  readonly maxLength?: number;
  /** The on-screen keyboard to offer (numbers). */
  readonly inputMode?: 'decimal';
}

function pageField(key: PageFieldKey, control: PageField['control'], label: (column: string, id: string) => string) {
  const column = MAPPING_FIELDS[key].label;
  return { key, control, column, label: (id: string) => label(column, id), formName: (id: string) => `${key}.${id}` };
}

export const PAGE_FIELDS = {
  // Contract v3: "a check box named `Publish ID`" (the descriptor's label is `Publish`).
  enabled: pageField('enabled', 'checkbox', (column, id) => `${column} ${id}`),
  managedId: {
    ...pageField('managedId', 'text', (column, id) => `${column} for ${id}`),
    // One more than allowed, so an over-long value reaches the check and is reported, not cut.
    maxLength: MAX_IDENTIFIER_LENGTH + 1,
  },
  includedGb: { ...pageField('includedGb', 'text', (column, id) => `${column} for ${id}`), inputMode: 'decimal' },
} as const satisfies Record<PageFieldKey, PageField>;

/** What the page showed for a row and what the person left in it (text boxes as typed). */
export interface RowInput {
  readonly clientId: string;
  readonly enabled: boolean;
  readonly managedId: string;
  readonly includedGb: string;
  readonly wasEnabled: boolean;
  readonly wasManagedId: string;
  readonly wasIncludedGb: string;
}

export type RowCheck =
  | { readonly ok: true; readonly mapping: Mapping }
  | { readonly ok: false; readonly field: PageFieldKey; readonly message: string };

/** True when the person changed the row (outer white space in a box is not a change). */
export function isEdited(row: RowInput): boolean {
  return (
    row.enabled !== row.wasEnabled ||
    row.managedId.trim() !== row.wasManagedId.trim() ||
    row.includedGb.trim() !== row.wasIncludedGb.trim()
  );
}

/** How the page shows a stored Included GB in its box (empty = none, i.e. 0). */
export function includedGbText(mapping: Mapping | undefined): string {
  return mapping?.includedGb ? String(mapping.includedGb) : '';
}

/**
 * An edited row as the mapping to write, or why it cannot be written: the descriptor's `mergeRecord`
 * over the stored mapping (so its name and any field the page does not show are kept), the text boxes
 * read with the descriptor's input rules. A client without a mapping gets `clientName` from its usage.
 */
export function checkRow(
  accountId: string,
  row: RowInput,
  before: Mapping | undefined,
  clientName: string | undefined,
): RowCheck {
  const managedId = row.managedId.trim();
  if (managedId === '')
    return {
      ok: false,
      field: 'managedId',
      message: row.enabled
        ? 'Managed ID must not be empty when Publish is ticked'
        : 'Managed ID must not be empty (to stop billing this client, untick Publish and keep its Managed ID)',
    };
  const included = readText(MAPPING_FIELDS.includedGb, row.includedGb);
  if (!included.ok)
    return { ok: false, field: 'includedGb', message: `${MAPPING_FIELDS.includedGb.label} ${included.problem}` };
  const name = before ? undefined : clientName?.slice(0, MAX_IDENTIFIER_LENGTH);
  const result = mergeRecord(
    MAPPING_FIELDS,
    mappingItemSchema,
    { accountId, clientId: row.clientId },
    // An empty Included GB box clears the allowance (none = 0).
    { managedId, enabled: row.enabled, includedGb: included.value ?? null, ...(name ? { clientName: name } : {}) },
    before,
  );
  if (result.ok) return { ok: true, mapping: result.value };
  const problem = result.problems[0]!;
  const field = (Object.keys(PAGE_FIELDS) as PageFieldKey[]).find((k) => k === problem.field) ?? 'managedId';
  const what =
    problem.field in MAPPING_FIELDS
      ? MAPPING_FIELDS[problem.field as keyof typeof MAPPING_FIELDS].label
      : problem.field;
  return { ok: false, field, message: `${what} ${problem.problem}` };
}
