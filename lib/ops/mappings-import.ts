import type { InvalidItem, Mapping, Validated } from '../publisher/ports.js';
import { mappingItemSchema, validate } from '../schemas.js';
import { checkKey } from './item-keys.js';
import { readCsv, sortProblems, type CsvProblem, type CsvSpec } from './csv-file.js';
import { diffFields, summarizePlan, type ImportChange, type ImportPlan } from './import-plan.js';

/**
 * `cwpub mappings import`: a CSV of client → Managed ID mappings, validated row by row with the same
 * schema the publisher applies to DynamoDB items, then compared with the table.
 *
 * Columns: `clientId`, `managedId` (required), `clientName`, `enabled` (optional), in any order.
 * - an empty `clientName` cell means "no name"; an empty `enabled` cell means enabled (absent = true);
 * - a column the file does not have leaves that field of an existing mapping as it is (a new
 *   mapping gets no name and is enabled), so a two-column file never wipes names or re-enables
 *   mappings someone disabled.
 */
export const MAPPINGS_CSV: CsvSpec = { required: ['clientId', 'managedId'], optional: ['clientName', 'enabled'] };

export interface MappingRow {
  readonly row: number;
  readonly clientId: string;
  readonly managedId: string;
  /** `undefined` = the cell is empty; `null` = the file has no clientName column. */
  readonly clientName: string | undefined | null;
  /** `undefined` = the cell is empty; `null` = the file has no enabled column. */
  readonly enabled: boolean | undefined | null;
}

export type ParsedMappings = { ok: true; rows: MappingRow[] } | { ok: false; problems: CsvProblem[] };

export function parseMappingsCsv(bytes: Uint8Array, accountId: string): ParsedMappings {
  const parsed = readCsv(bytes, MAPPINGS_CSV);
  if (!parsed.ok) return parsed;
  const { columns, rows } = parsed.table;
  const hasName = columns.includes('clientName');
  const hasEnabled = columns.includes('enabled');
  const problems: CsvProblem[] = [...parsed.table.rowProblems];
  const out: MappingRow[] = [];
  const firstRowOf = new Map<string, number>();

  for (const { row, cells } of rows) {
    const rowProblems: CsvProblem[] = [];
    let enabled: boolean | undefined | null = null;
    if (hasEnabled) {
      const raw = (cells.enabled ?? '').toLowerCase();
      if (raw === '') enabled = undefined;
      else if (raw === 'true') enabled = true;
      else if (raw === 'false') enabled = false;
      else rowProblems.push({ row, field: 'enabled', problem: `must be true or false (got "${cells.enabled}")` });
    }
    const clientName = hasName ? cells.clientName || undefined : null;
    const candidate = {
      accountId,
      clientId: cells.clientId ?? '',
      managedId: cells.managedId ?? '',
      ...(clientName ? { clientName } : {}),
    };
    const result = validate(mappingItemSchema, candidate);
    if (!result.ok) for (const p of result.problems) rowProblems.push({ row, field: p.field, problem: p.problem });
    const key = checkKey(candidate.clientId);
    // An empty id is already reported by the schema; the key rules add the rest (no leading #), once:
    // their message (with the value) replaces the schema's on the same column.
    if (!key.ok && candidate.clientId !== '') {
      const others = rowProblems.filter((p) => p.field !== 'clientId');
      rowProblems.splice(0, rowProblems.length, ...others, { row, field: 'clientId', problem: key.problem });
    }
    const clientId = candidate.clientId;
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
    out.push({ row, clientId, managedId: candidate.managedId, clientName, enabled });
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
    const before = current.get(r.clientId);
    const item: Mapping = {
      accountId,
      clientId: r.clientId,
      managedId: r.managedId,
      clientName: r.clientName === null ? before?.clientName : r.clientName,
      enabled: r.enabled === null ? (before?.enabled ?? true) : (r.enabled ?? true),
    };
    const bad = invalid.get(r.clientId);
    if (bad) {
      const what = bad.problems.map((p) => `${p.field} ${p.problem}`).join('; ');
      return { row: r.row, key: r.clientId, action: 'changed', changes: [], replacesInvalid: what, item };
    }
    if (!before) return { row: r.row, key: r.clientId, action: 'new', changes: [], item };
    const diff = diffFields(before, item, ['managedId', 'clientName', 'enabled']);
    return {
      row: r.row,
      key: r.clientId,
      action: diff.length ? 'changed' : 'unchanged',
      changes: diff,
      item,
      previous: before,
    };
  });
  return summarizePlan(changes);
}
