import * as z from 'zod';
import type { InvalidItem } from '../publisher/ports/index.js';
import { validate, type ValidationProblem } from '../input/schemas.js';

/**
 * One row per field of a stored record (STYLE.md "Declare a shape once"): its schema, whether DynamoDB
 * may leave it out (and what that means), how an operator types it (CLI flag, CSV column), how it is
 * listed, and the label the page shows. Item schemas, record types, repository conversion, CLI put /
 * list / import and comparison are derived from a table of these (`lib/records/*.ts`).
 */
export type Presence = 'key' | 'required' | 'optional' | 'defaulted';

/** Text an operator typed (a flag's value, a CSV cell) → the field's value; `undefined` = empty (no value). */
export type TextInput<V> = (raw: string) => { ok: true; value: V | undefined } | { ok: false; problem: string };

export interface FieldDescriptor<S extends z.ZodType = z.ZodType, P extends Presence = Presence> {
  /** The stored attribute's rules (also applied to what an operator types). */
  readonly schema: S;
  /**
   * `key`: part of the table key; `defaulted`: absent = `default`, always set on the record;
   * `optional`: may be absent (with a `default`, records read from the table carry it, but code and
   * fixtures written before the field existed need not).
   */
  readonly presence: P;
  readonly default?: z.output<S>;
  /** What it is, for people: help texts and docs. */
  readonly help: string;
  /** The page's label for the field (the coming web page reads these). */
  readonly label: string;
  /** `cwpub … put` flag (without the value placeholder), when the field is typed on the command line. */
  readonly flag?: string;
  /** The value placeholder of the flag, e.g. `<gb>`. */
  readonly placeholder?: string;
  /** The column header of `cwpub … list`; absent = not listed. */
  readonly column?: string;
  /** Right-aligned (numbers). */
  readonly numeric?: boolean;
  /** The CSV header (the attribute name), when imports read the field. */
  readonly csv?: 'required' | 'optional';
  /** How typed text becomes the value (flags, CSV cells); default: trimmed text, empty = none. */
  readonly input?: TextInput<z.output<S>>;
}

export type Fields = Readonly<Record<string, FieldDescriptor>>;

/** Declares a field keeping its exact types (schema, presence, CSV column). */
export function field<S extends z.ZodType, const T extends FieldDescriptor<S>>(d: T & { schema: S }): T {
  return d;
}

type Out<D> = D extends { schema: infer S extends z.ZodType } ? z.output<S> : never;

/** The fields an import reads from an optional CSV column. */
export type OptionalCsvKeys<F extends Fields> = {
  [K in keyof F]: F[K]['csv'] extends 'optional' ? K : never;
}[keyof F] &
  string;
type MayBeAbsentKeys<F extends Fields> = {
  [K in keyof F]: F[K]['presence'] extends 'optional' | 'defaulted' ? K : never;
}[keyof F];
type AbsentInRecordKeys<F extends Fields> = {
  [K in keyof F]: F[K]['presence'] extends 'optional' ? K : never;
}[keyof F];

/** What DynamoDB holds (and the item schema accepts). */
export type ItemOf<F extends Fields> = { -readonly [K in Exclude<keyof F, MayBeAbsentKeys<F>>]: Out<F[K]> } & {
  -readonly [K in MayBeAbsentKeys<F>]?: Out<F[K]> | undefined;
};
/** What the code works with: defaults applied. */
export type RecordOf<F extends Fields> = { readonly [K in Exclude<keyof F, AbsentInRecordKeys<F>>]: Out<F[K]> } & {
  readonly [K in AbsentInRecordKeys<F>]?: Out<F[K]> | undefined;
};

/** The item schema: keys and required fields must be there, optional and defaulted ones may be absent. */
export function itemSchema<F extends Fields>(fields: F): z.ZodType<ItemOf<F>> {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, d] of Object.entries(fields))
    shape[name] = d.presence === 'optional' || d.presence === 'defaulted' ? d.schema.optional() : d.schema;
  return z.object(shape) as unknown as z.ZodType<ItemOf<F>>;
}

export function keyNames(fields: Fields): string[] {
  return Object.entries(fields)
    .filter(([, d]) => d.presence === 'key')
    .map(([n]) => n);
}

/** The fields an operator can change (everything but the key). */
export function valueNames<F extends Fields>(fields: F): (keyof F & string)[] {
  return Object.entries(fields)
    .filter(([, d]) => d.presence !== 'key')
    .map(([n]) => n);
}

/** Applies the defaults of absent `defaulted` fields. */
export function withDefaults<F extends Fields>(fields: F, item: ItemOf<F>): RecordOf<F> {
  const out: Record<string, unknown> = {};
  for (const [name, d] of Object.entries(fields)) {
    const value = (item as Record<string, unknown>)[name];
    if (value !== undefined) out[name] = value;
    else if (d.default !== undefined) out[name] = d.default;
  }
  return out as RecordOf<F>;
}

/**
 * A stored item → the record, or the item reported by its key and each bad field (a hand-edited item
 * is never fatal: it fails only what it describes). `extraKey` adds attributes that help people find it.
 */
export function fromItem<F extends Fields>(
  fields: F,
  schema: z.ZodType<ItemOf<F>>,
  item: Record<string, unknown>,
  extraKey: readonly string[] = [],
): RecordOf<F> | InvalidItem {
  const result = validate(schema, item);
  if (result.ok) return withDefaults(fields, result.value);
  const key: Record<string, string> = {};
  for (const name of [...keyNames(fields), ...extraKey]) {
    const value = item[name];
    if (typeof value === 'string') key[name] = value;
  }
  return { key, problems: result.problems };
}

/**
 * The record → the stored item: absent values are left out, and so is an `optional` field at its
 * default (absent means the same, and items written before the field existed stay as they were).
 */
export function toItem(fields: Fields, record: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(record).filter(([name, v]) => {
      const d = fields[name];
      return v !== undefined && !(d?.presence === 'optional' && d.default !== undefined && v === d.default);
    }),
  );
}

/**
 * An edit of a record (a `put`, a row of the page): the key, each given value (`null` = clear: none
 * or the default), else the stored value, else the default; validated with the item schema.
 * Problems name the fields.
 */
export function mergeRecord<F extends Fields>(
  fields: F,
  schema: z.ZodType<ItemOf<F>>,
  key: Readonly<Record<string, string>>,
  edits: Readonly<Record<string, unknown>>,
  before: RecordOf<F> | undefined,
): { ok: true; value: RecordOf<F> } | { ok: false; problems: ValidationProblem[] } {
  const candidate: Record<string, unknown> = { ...key };
  for (const name of valueNames(fields)) {
    const edit = edits[name];
    const value = edit === null ? undefined : (edit ?? (before as Record<string, unknown> | undefined)?.[name]);
    if (value !== undefined) candidate[name] = value;
  }
  const result = validate(schema, candidate);
  return result.ok ? { ok: true, value: withDefaults(fields, result.value) } : result;
}

/** Same values in every field the operator can change. */
export function sameRecord<F extends Fields>(fields: F, a: RecordOf<F>, b: RecordOf<F>): boolean {
  return valueNames(fields).every((n) => (a as Record<string, unknown>)[n] === (b as Record<string, unknown>)[n]);
}

/** A record's values for people, e.g. `managedId "M-1", clientName "One", enabled false`: defaults left out. */
export function describeValues(fields: Fields, record: object): string {
  return valueNames(fields)
    .flatMap((name) => {
      const v = (record as Record<string, unknown>)[name];
      if (v === undefined || v === fields[name]!.default) return [];
      return [typeof v === 'string' ? `${name} "${v}"` : `${name} ${String(v)}`];
    })
    .join(', ');
}

/** Problems named the way the operator typed them (a flag for `put`, the attribute otherwise). */
export function renameProblems(fields: Fields, problems: readonly ValidationProblem[]): ValidationProblem[] {
  return problems.map((p) => ({ ...p, field: fields[p.field]?.flag ?? p.field }));
}

/** The CSV columns of an import. */
export function csvColumns(fields: Fields): { required: string[]; optional: string[] } {
  const entries = Object.entries(fields);
  return {
    required: entries.filter(([, d]) => d.csv === 'required').map(([n]) => n),
    optional: entries.filter(([, d]) => d.csv === 'optional').map(([n]) => n),
  };
}

/** Reads typed text with the field's own input rule (default: trimmed text, empty = none). */
export function readText(d: FieldDescriptor, raw: string): ReturnType<TextInput<unknown>> {
  if (d.input) return d.input(raw);
  const text = raw.trim();
  return { ok: true, value: text === '' ? undefined : text };
}

// ---- shared input rules ------------------------------------------------------------------------------

const NUMBER = /^[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A GB figure: a plain decimal number with `.` as separator, ≥ 0; empty = none. */
export const gbText: TextInput<number> = (raw) => {
  const text = raw.trim();
  if (text === '') return { ok: true, value: undefined };
  if (text.startsWith('-') && NUMBER.test(text.slice(1))) return { ok: false, problem: `must be ≥ 0 (got ${text})` };
  if (!NUMBER.test(text)) {
    const hint = /^\d+,\d+$/.test(text) ? ' (use . as the decimal separator)' : '';
    return { ok: false, problem: `must be a number of GB (got "${text}")${hint}` };
  }
  const value = Number(text);
  if (!Number.isFinite(value)) return { ok: false, problem: `is too large (got ${text})` };
  return { ok: true, value };
};

/** A number above 0 (limits, budgets); empty = none. */
export const positiveText: TextInput<number> = (raw) => {
  const text = raw.trim();
  if (text === '') return { ok: true, value: undefined };
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) return { ok: false, problem: `must be a number above 0 (got "${text}")` };
  return { ok: true, value: n };
};

/** `true` / `false` (any case); empty = none. */
export const booleanText: TextInput<boolean> = (raw) => {
  const text = raw.trim().toLowerCase();
  if (text === '') return { ok: true, value: undefined };
  if (text === 'true') return { ok: true, value: true };
  if (text === 'false') return { ok: true, value: false };
  return { ok: false, problem: `must be true or false (got "${raw.trim()}")` };
};

/** Storage figures: finite, ≥ 0 (DynamoDB N). */
export const gbSchema = z.number().finite().nonnegative();
