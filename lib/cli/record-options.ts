import { InvalidArgumentError, Option, type Command } from 'commander';
import { InputValidationError } from '../errors.js';
import {
  mergeRecord,
  readText,
  renameProblems,
  sameRecord,
  valueNames,
  type FieldDescriptor,
  type Fields,
  type ItemOf,
  type RecordOf,
} from '../records/field.js';
import { formatProblems } from '../input/schemas.js';
import type * as z from 'zod';
import type { Column } from './columns.js';
import { yesNo } from './commands/ops-common.js';

/**
 * `cwpub … put` and `… list` from a record's field table: one option per field with a flag, the merge
 * of typed values over the stored record, validation naming the flag, and the list columns.
 */

/** A flag's value: the field's value, or `null` when typed empty (= back to none / the default). */
function flagParser(flag: string, d: FieldDescriptor) {
  return (raw: string): unknown => {
    const read = readText(d, raw);
    if (!read.ok) throw new InvalidArgumentError(`${flag} ${read.problem}`);
    return read.value ?? null;
  };
}

/** Adds `--flag <value>` for every value field with a flag and a placeholder, then `--disabled`/`--enabled`. */
export function addFieldOptions(
  command: Command,
  fields: Fields,
  toggle: { readonly disabled: string; readonly enabled: string },
): Command {
  for (const name of valueNames(fields)) {
    const d = fields[name]!;
    if (!d.flag || !d.placeholder) continue;
    const option = new Option(`${d.flag} ${d.placeholder}`, d.help).argParser(flagParser(d.flag, d));
    if (option.attributeName() !== name) throw new Error(`flag ${d.flag} must be named after field ${name}`);
    command.addOption(option);
  }
  return command.option('--disabled', toggle.disabled).option('--enabled', toggle.enabled);
}

export interface PutFlags {
  readonly enabled?: boolean;
  readonly disabled?: boolean;
  readonly [field: string]: unknown;
}

/**
 * The record `put` writes: the key, each typed flag (empty = none / the default), else the stored
 * value, else the default. Validated with the item schema; problems name the flags.
 */
export function mergePut<F extends Fields>(
  fields: F,
  schema: z.ZodType<ItemOf<F>>,
  key: Record<string, string>,
  flags: PutFlags,
  before: RecordOf<F> | undefined,
  what: string,
): RecordOf<F> {
  if (flags.disabled && flags.enabled)
    throw new InputValidationError('give either --enabled or --disabled, not both', { field: 'enabled' });
  const typed: Record<string, unknown> = { ...flags };
  typed.enabled = flags.disabled ? false : flags.enabled ? true : undefined;
  // Commander hands an empty value over without calling the parser: empty, like null, clears the field.
  for (const [name, value] of Object.entries(typed)) if (value === '') typed[name] = null;
  const result = mergeRecord(fields, schema, key, typed, before);
  if (!result.ok) {
    const problems = renameProblems(fields, result.problems);
    throw new InputValidationError(`${what}: ${formatProblems(problems)}`, { field: problems[0]?.field });
  }
  return result.value;
}

/** Writes what `put` merged unless it equals the stored record: `created`, `updated` or `unchanged`. */
export async function savePut<F extends Fields>(
  fields: F,
  existing: unknown,
  before: RecordOf<F> | undefined,
  record: RecordOf<F>,
  put: (record: RecordOf<F>) => Promise<void>,
): Promise<'created' | 'updated' | 'unchanged'> {
  // An invalid stored item (`existing` without `before`) is replaced: `updated`.
  const action = !existing ? 'created' : before && sameRecord(fields, before, record) ? 'unchanged' : 'updated';
  if (action !== 'unchanged') await put(record);
  return action;
}

/** The list columns of a record, in table order; `extra` overrides or adds per field (fit, style). */
export function recordColumns<F extends Fields>(
  fields: F,
  extra: Partial<Record<keyof F & string, Partial<Column<RecordOf<F>>>>> = {},
): Column<RecordOf<F>>[] {
  const columns: Column<RecordOf<F>>[] = [];
  for (const [name, d] of Object.entries(fields)) {
    if (!d.column) continue;
    const value = (r: RecordOf<F>) => {
      const v = (r as Record<string, unknown>)[name] ?? d.default;
      return typeof v === 'boolean' ? yesNo(v) : (v as string | number | undefined);
    };
    columns.push({
      header: d.column,
      value,
      ...(d.numeric ? { align: 'right' } : {}),
      ...extra[name as keyof F & string],
    });
  }
  return columns;
}
