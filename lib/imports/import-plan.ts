/**
 * What an import would do to a table, row by row: `new` items, `changed` items (with each field's old
 * and new value) and `unchanged` ones. Only new and changed items are written, so importing the same
 * file twice writes nothing the second time.
 */
export type ImportAction = 'new' | 'changed' | 'unchanged';

export interface FieldChange {
  readonly field: string;
  readonly from: string | number | boolean | undefined;
  readonly to: string | number | boolean | undefined;
}

export interface ImportChange<T> {
  /** The file row the item comes from. */
  readonly row: number;
  /** The item's key for people: the client ID (and period for usage). */
  readonly key: string;
  readonly action: ImportAction;
  readonly changes: readonly FieldChange[];
  /** Set when the table held an item under this key that fails validation (it is replaced). */
  readonly replacesInvalid?: string;
  readonly item: T;
  /** The valid item the table held before (changed and unchanged rows), to roll a failed write back. */
  readonly previous?: T;
}

export interface ImportPlan<T> {
  readonly changes: readonly ImportChange<T>[];
  readonly counts: Readonly<Record<ImportAction, number>>;
}

export function summarizePlan<T>(changes: ImportChange<T>[]): ImportPlan<T> {
  const counts = { new: 0, changed: 0, unchanged: 0 };
  for (const c of changes) counts[c.action]++;
  return { changes, counts };
}

/** Items the import writes: new and changed ones, in file order. */
export function itemsToWrite<T>(plan: ImportPlan<T>): T[] {
  return plan.changes.filter((c) => c.action !== 'unchanged').map((c) => c.item);
}

export function describeChange(change: FieldChange): string {
  const show = (v: FieldChange['from']) => (v === undefined ? '(none)' : typeof v === 'string' ? `"${v}"` : String(v));
  return `${change.field}: ${show(change.from)} → ${show(change.to)}`;
}

/** Field-by-field differences between an existing item and the one to write. */
export function diffFields<T extends object>(
  before: T | undefined,
  after: T,
  fields: readonly (keyof T & string)[],
): FieldChange[] {
  if (!before) return [];
  const out: FieldChange[] = [];
  for (const field of fields) {
    const from = before[field] as FieldChange['from'];
    const to = after[field] as FieldChange['to'];
    if (from !== to) out.push({ field, from, to });
  }
  return out;
}
