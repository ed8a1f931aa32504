import type { InvalidItem, Mapping, Validated } from '../publisher/ports/index.js';
import { csvColumns, readText, valueNames, withDefaults, type Fields, type OptionalCsvKeys } from '../records/field.js';
import { MAPPING_FIELDS, mappingItemSchema } from '../records/mapping.js';
import { validate } from '../input/schemas.js';
import { checkKey } from './item-keys.js';
import { readCsv, sortProblems, type CsvProblem, type CsvSpec } from './csv-file.js';
import { diffFields, summarizePlan, type ImportChange, type ImportPlan } from './import-plan.js';

/**
 * `cwpub mappings import`: a CSV of client → Managed ID mappings, validated row by row with the same
 * schema the publisher applies to DynamoDB items, then compared with the table. The columns are the
 * Mappings fields marked `csv` in lib/records/mapping.ts.
 *
 * Columns: `clientId`, `managedId` (required), then the optional ones (`clientName`, `enabled`, ...), in any order.
 * - an empty optional cell means the field's default: no name, enabled, nothing included;
 * - a column the file does not have leaves that field of an existing mapping as it is (a new
 *   mapping gets the default), so a two-column file never wipes names, allowances or re-enables
 *   mappings someone disabled.
 */
export const MAPPINGS_CSV: CsvSpec = csvColumns(MAPPING_FIELDS);

type OptionalColumn = OptionalCsvKeys<typeof MAPPING_FIELDS>;
const OPTIONAL = MAPPINGS_CSV.optional as readonly OptionalColumn[];

export type MappingRow = {
  readonly row: number;
  readonly clientId: string;
  readonly managedId: string;
} & {
  /** `undefined` = the cell is empty; `null` = the file has no such column. */
  readonly [K in OptionalColumn]: Mapping[K] | undefined | null;
};

export type ParsedMappings = { ok: true; rows: MappingRow[] } | { ok: false; problems: CsvProblem[] };

export function parseMappingsCsv(bytes: Uint8Array, accountId: string): ParsedMappings {
  const parsed = readCsv(bytes, MAPPINGS_CSV);
  if (!parsed.ok) return parsed;
  const { columns, rows } = parsed.table;
  const problems: CsvProblem[] = [...parsed.table.rowProblems];
  const out: MappingRow[] = [];
  const firstRowOf = new Map<string, number>();

  for (const { row, cells } of rows) {
    const rowProblems: CsvProblem[] = [];
    const optional: Record<string, unknown> = {};
    for (const name of OPTIONAL) {
      if (!columns.includes(name)) {
        optional[name] = null;
        continue;
      }
      const read = readText((MAPPING_FIELDS as Fields)[name]!, cells[name] ?? '');
      if (read.ok) optional[name] = read.value;
      else rowProblems.push({ row, field: name, problem: read.problem });
    }
    const candidate: Record<string, unknown> = {
      accountId,
      clientId: cells.clientId ?? '',
      managedId: cells.managedId ?? '',
    };
    for (const [name, value] of Object.entries(optional))
      if (value !== null && value !== undefined) candidate[name] = value;
    const result = validate(mappingItemSchema, candidate);
    if (!result.ok) for (const p of result.problems) rowProblems.push({ row, field: p.field, problem: p.problem });
    const clientId = cells.clientId ?? '';
    const key = checkKey(clientId);
    // An empty id is already reported by the schema; the key rules add the rest (no leading #), once:
    // their message (with the value) replaces the schema's on the same column.
    if (!key.ok && clientId !== '') {
      const others = rowProblems.filter((p) => p.field !== 'clientId');
      rowProblems.splice(0, rowProblems.length, ...others, { row, field: 'clientId', problem: key.problem });
    }
    if (clientId !== '') {
      const first = firstRowOf.get(clientId);
      if (first !== undefined) {
        rowProblems.push({
          row,
          field: 'clientId',
          problem: `client "${clientId}" is also on row ${first}; each client may appear once`,
        });
      } else firstRowOf.set(clientId, row);
    }
    if (rowProblems.length > 0) {
      problems.push(...rowProblems);
      continue;
    }
    out.push({ row, clientId, managedId: cells.managedId ?? '', ...optional } as MappingRow);
  }
  return problems.length > 0 ? { ok: false, problems: sortProblems(problems) } : { ok: true, rows: out };
}

/** Compares the file with the account's mappings. Pure. */
export function planMappingsImport(
  accountId: string,
  rows: readonly MappingRow[],
  existing: Validated<Mapping>,
): ImportPlan<Mapping> {
  const current = new Map(existing.items.map((m) => [m.clientId, m]));
  const invalid = new Map<string, InvalidItem>();
  for (const bad of existing.invalid) if (bad.key.clientId !== undefined) invalid.set(bad.key.clientId, bad);

  const changes: ImportChange<Mapping>[] = rows.map((r) => {
    const stored = current.get(r.clientId);
    // Defaults applied, so a mapping stored before a field existed compares equal to one at its default.
    const before = stored && withDefaults(MAPPING_FIELDS, stored);
    const item = { accountId, clientId: r.clientId, managedId: r.managedId } as Record<string, unknown>;
    for (const name of OPTIONAL) {
      const value = r[name] === null ? before?.[name] : r[name];
      item[name] = value ?? (MAPPING_FIELDS as Fields)[name]!.default;
    }
    const bad = invalid.get(r.clientId);
    const mapping = item as unknown as Mapping;
    if (bad) {
      const what = bad.problems.map((p) => `${p.field} ${p.problem}`).join('; ');
      return { row: r.row, key: r.clientId, action: 'changed', changes: [], replacesInvalid: what, item: mapping };
    }
    if (!before) return { row: r.row, key: r.clientId, action: 'new', changes: [], item: mapping };
    const diff = diffFields(before, mapping, valueNames(MAPPING_FIELDS));
    return {
      row: r.row,
      key: r.clientId,
      action: diff.length ? 'changed' : 'unchanged',
      changes: diff,
      item: mapping,
      previous: stored,
    };
  });
  return summarizePlan(changes);
}
