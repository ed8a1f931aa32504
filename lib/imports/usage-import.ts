import { usageKey } from '../aws/dynamodb-repositories.js';
import { currentPeriod } from '../period.js';
import type { InvalidItem, Validated } from '../publisher/ports/index.js';
import { csvColumns, gbText } from '../records/field.js';
import { USAGE_FIELDS, usageItemSchema } from '../records/usage.js';
import { validate, type UsageItem } from '../input/schemas.js';
import { checkKey } from './item-keys.js';
import { readCsv, sortProblems, type CsvProblem, type CsvSpec } from './csv-file.js';
import { diffFields, summarizePlan, type ImportChange, type ImportPlan } from './import-plan.js';

/**
 * `cwpub usage import`: a CSV of monthly billable space, `clientId,period,billableSpaceGb` in any
 * order. A file may hold several months; each (period, client) pair may appear once. The usage key
 * is `<period>#<clientId>`, as the contract says. An optional `clientName` column (contract v3) names the
 * client; an empty cell means no name, and a file without the column keeps the names already stored.
 */
export const USAGE_CSV: CsvSpec = csvColumns(USAGE_FIELDS);

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export type ParsedUsage =
  { ok: true; items: { row: number; item: UsageItem }[]; hasNames: boolean } | { ok: false; problems: CsvProblem[] };

/** Parses a GB figure: a plain decimal number with `.` as separator, ≥ 0 (the Usage table's own rule). */
export function parseGb(raw: string): { ok: true; value: number } | { ok: false; problem: string } {
  const read = gbText(raw);
  if (!read.ok) return read;
  return read.value === undefined ? { ok: false, problem: 'must not be empty' } : { ok: true, value: read.value };
}

/** A usage month: `YYYY-MM`, from 2000 up to the current month (usage cannot exist for a later one). */
export function checkPeriod(raw: string, now: Date): string | undefined {
  const match = PERIOD.exec(raw);
  if (!match) return `must be a month as YYYY-MM, e.g. 2026-10 (got "${raw}")`;
  if (Number(match[1]) < 2000) return `must not be before 2000 (got ${raw})`;
  const current = currentPeriod(now).key;
  if (raw > current) return `is in the future (got ${raw}; the current month is ${current})`;
  return undefined;
}

export function parseUsageCsv(bytes: Uint8Array, accountId: string, now: Date): ParsedUsage {
  const parsed = readCsv(bytes, USAGE_CSV);
  if (!parsed.ok) return parsed;
  const problems: CsvProblem[] = [...parsed.table.rowProblems];
  const items: { row: number; item: UsageItem }[] = [];
  const firstRowOf = new Map<string, number>();
  for (const { row, cells } of parsed.table.rows) {
    const rowProblems: CsvProblem[] = [];
    const clientId = cells.clientId ?? '';
    const period = cells.period ?? '';
    const periodProblem = checkPeriod(period, now);
    if (periodProblem) rowProblems.push({ row, field: 'period', problem: periodProblem });
    const gb = parseGb(cells.billableSpaceGb ?? '');
    if (!gb.ok) rowProblems.push({ row, field: 'billableSpaceGb', problem: gb.problem });
    const clientName = cells.clientName || undefined;
    const candidate: UsageItem = {
      accountId,
      usageKey: usageKey(period, clientId),
      period,
      clientId,
      billableSpaceGb: gb.ok ? gb.value : 0,
      ...(clientName ? { clientName } : {}),
    };
    const result = validate(usageItemSchema, candidate);
    if (!result.ok) {
      for (const p of result.problems) {
        // period and billableSpaceGb were checked above with better messages.
        if (p.field === 'period' || p.field === 'billableSpaceGb') continue;
        rowProblems.push({ row, field: p.field, problem: p.problem });
      }
    }
    const key = checkKey(clientId);
    if (!key.ok && clientId !== '') rowProblems.push({ row, field: 'clientId', problem: key.problem });
    if (clientId !== '' && !periodProblem) {
      const key = candidate.usageKey;
      const first = firstRowOf.get(key);
      if (first !== undefined) {
        rowProblems.push({
          row,
          field: 'clientId',
          problem: `client "${clientId}" has usage for ${period} on row ${first} too; each client may appear once per period`,
        });
      } else firstRowOf.set(key, row);
    }
    if (rowProblems.length > 0) {
      problems.push(...rowProblems);
      continue;
    }
    items.push({ row, item: candidate });
  }
  if (problems.length > 0) return { ok: false, problems: sortProblems(problems) };
  return { ok: true, items, hasNames: parsed.table.columns.includes('clientName') };
}

/** The distinct periods of a file, sorted. */
export function periodsOf(items: readonly { item: UsageItem }[]): string[] {
  return [...new Set(items.map((i) => i.item.period))].sort();
}

/**
 * Compares the file with what the usage table holds for the same periods. Pure. Without a `clientName`
 * column (`hasNames` false) each item keeps the name already stored.
 */
export function planUsageImport(
  items: readonly { row: number; item: UsageItem }[],
  existing: Validated<UsageItem>,
  hasNames = true,
): ImportPlan<UsageItem> {
  const current = new Map(existing.items.map((u) => [u.usageKey, u]));
  const invalid = new Map<string, InvalidItem>();
  for (const bad of existing.invalid) if (bad.key.usageKey !== undefined) invalid.set(bad.key.usageKey, bad);
  const changes: ImportChange<UsageItem>[] = items.map(({ row, item: fromFile }) => {
    const key = `${fromFile.period} ${fromFile.clientId}`;
    const kept = hasNames ? undefined : current.get(fromFile.usageKey)?.clientName;
    const item = kept === undefined ? fromFile : { ...fromFile, clientName: kept };
    const bad = invalid.get(item.usageKey);
    if (bad) {
      const what = bad.problems.map((p) => `${p.field} ${p.problem}`).join('; ');
      return { row, key, action: 'changed', changes: [], replacesInvalid: what, item };
    }
    const before = current.get(item.usageKey);
    if (!before) return { row, key, action: 'new', changes: [], item };
    const diff = diffFields(before, item, ['billableSpaceGb', 'clientName']);
    return { row, key, action: diff.length ? 'changed' : 'unchanged', changes: diff, item, previous: before };
  });
  return summarizePlan(changes);
}
