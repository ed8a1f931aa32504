import { readFile } from 'node:fs/promises';
import Table from 'cli-table3';
import { InputValidationError } from '../../errors.js';
import { formatCsvProblem, type CsvProblem } from '../../ops/csv-file.js';
import { describeChange, type ImportPlan } from '../../ops/import-plan.js';
import { progressFor, type Progress } from '../../ops/progress.js';
import type { CliContext } from '../context.js';
import { renderTable } from '../table.js';

/** Shared plumbing of the operations commands: input files, CSV problem reports, import plans, progress. */

export async function readInputFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable');
    throw new InputValidationError(`cannot read ${path}: ${why}`, { field: 'FILE' });
  }
}

/** How many problems a terminal report lists before summarizing (JSON lists them all). */
const MAX_LISTED = 100;

/** Reports every problem of a rejected file (stderr for people, stdout for --json) and says nothing was written. */
export function reportCsvProblems(ctx: CliContext, file: string, problems: readonly CsvProblem[], json: boolean | undefined): void {
  if (json) {
    ctx.json({ file, ok: false, written: 0, problems });
    return;
  }
  const lines = [`cwpub: ${file} was not imported (nothing was written): ${problems.length} problem(s)`];
  for (const p of problems.slice(0, MAX_LISTED)) lines.push(`  ${file}: ${formatCsvProblem(p)}`);
  if (problems.length > MAX_LISTED) lines.push(`  … and ${problems.length - MAX_LISTED} more (use --json for the full list)`);
  ctx.err(lines.join('\n'));
}

export function progress(ctx: CliContext, json: boolean | undefined): Progress {
  return progressFor(ctx.io.stderr, json);
}

/** The plan as a table: one line per row that changes (unchanged rows are counted, not listed). */
export function renderPlan<T>(plan: ImportPlan<T>, heading: string, describe: (item: T) => string): string {
  const { counts } = plan;
  const lines = [`${heading}: ${counts.new} new, ${counts.changed} changed, ${counts.unchanged} unchanged`];
  const moving = plan.changes.filter((c) => c.action !== 'unchanged');
  if (moving.length > 0) {
    lines.push(
      renderTable(
        ['Row', 'Key', 'Action', 'Details'],
        moving.map((c) => [
          c.row,
          c.key,
          c.action,
          c.replacesInvalid ? `replaces an invalid item (${c.replacesInvalid}); ${describe(c.item)}` : c.action === 'new' ? describe(c.item) : c.changes.map(describeChange).join('; '),
        ]),
      ),
    );
  }
  return lines.join('\n');
}

/**
 * A table whose long text columns wrap at word boundaries (`null` width = fit the content), so
 * checks and mismatches with their explanations stay readable in a ~120-column terminal.
 */
export function renderWrappedTable(
  head: readonly string[],
  rows: readonly (readonly (string | number | undefined)[])[],
  widths: readonly (number | null)[],
): string {
  const table = new Table({
    head: [...head],
    style: { head: [], border: [] },
    colWidths: [...widths],
    wordWrap: true,
    wrapOnWordBoundary: true,
  });
  for (const row of rows) table.push(row.map((cell) => (cell === undefined ? '' : String(cell))));
  return table.toString();
}

export function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}
