import type { Mapping } from '../publisher/ports.js';
import { mappingItemSchema } from '../records/mapping.js';
import { MAX_IDENTIFIER_LENGTH, validate } from '../schemas.js';

/**
 * The page's editable fields, in one place: their controls, accessible names (contract v3: `Publish ID`,
 * `Managed ID for ID`), form names and checks. When record descriptors exist (issue 14), this list is
 * what they feed; the checks themselves are the mapping schema every write path uses (lib/schemas.ts).
 */
export interface PageField {
  /** The mapping attribute the control edits. */
  readonly key: 'enabled' | 'managedId';
  readonly control: 'checkbox' | 'text';
  /** The column heading. */
  readonly column: string;
  /** The control's accessible name for one client. */
  readonly label: (clientId: string) => string;
  /** Form field name for one client (the `was.` prefix carries the value the page showed). */
  readonly formName: (clientId: string) => string;
  readonly maxLength?: number;
}

export const PAGE_FIELDS = {
  enabled: {
    key: 'enabled',
    control: 'checkbox',
    column: 'Publish',
    label: (id) => `Publish ${id}`,
    formName: (id) => `enabled.${id}`,
  },
  managedId: {
    key: 'managedId',
    control: 'text',
    column: 'Managed ID',
    label: (id) => `Managed ID for ${id}`,
    formName: (id) => `managedId.${id}`,
    // One more than allowed, so an over-long value reaches the check and is reported, not cut.
    maxLength: MAX_IDENTIFIER_LENGTH + 1,
  },
} as const satisfies Record<string, PageField>;

/** What the page showed for a row and what the person left in it. */
export interface RowInput {
  readonly clientId: string;
  readonly enabled: boolean;
  readonly managedId: string;
  readonly wasEnabled: boolean;
  readonly wasManagedId: string;
}

export type RowCheck =
  | { readonly ok: true; readonly mapping: Mapping }
  | { readonly ok: false; readonly field: PageField['key']; readonly message: string };

/** True when the person changed the row (outer white space in the box is not a change). */
export function isEdited(row: RowInput): boolean {
  return row.enabled !== row.wasEnabled || row.managedId.trim() !== row.wasManagedId.trim();
}

/**
 * An edited row as the mapping to write, or why it cannot be written. `before` is the stored mapping
 * (its name is kept); a client without one gets `clientName` from its usage.
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
  const name = before?.clientName ?? clientName;
  const result = validate(mappingItemSchema, {
    accountId,
    clientId: row.clientId,
    managedId,
    ...(name ? { clientName: name.slice(0, MAX_IDENTIFIER_LENGTH) } : {}),
    enabled: row.enabled,
  });
  if (!result.ok) {
    const problem = result.problems[0]!;
    const field = problem.field === 'enabled' ? 'enabled' : 'managedId';
    const what = problem.field === 'managedId' ? 'Managed ID' : problem.field;
    return { ok: false, field, message: `${what} ${problem.problem}` };
  }
  return { ok: true, mapping: { ...result.value, enabled: result.value.enabled ?? true } };
}
