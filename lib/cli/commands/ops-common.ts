import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { InputValidationError } from '../../errors.js';
import { applyImport, type ImportStore } from '../../imports/apply-import.js';
import { formatCsvProblem, type CsvProblem } from '../../imports/csv-file.js';
import { describeChange, itemsToWrite, type ImportChange, type ImportPlan } from '../../imports/import-plan.js';
import { parsePeriod, previousPeriod, type Period } from '../../period.js';
import { renderColumns } from '../columns.js';
import type { CliContext } from '../context.js';
import { keyArgument } from '../keys.js';
import { count } from '../listing.js';
import type { Display } from '../terminal.js';

/** Shared plumbing of the operations commands: common options, input files, CSV problem reports, import plans. */

/** `--account ID`: trimmed and checked; absent = the only account. */
export function accountOption(description = 'account (default: the only account)'): Option {
  return new Option('--account <id>', description).argParser(keyArgument('--account'));
}

/** `--period YYYY-MM`; absent = last month (UTC), like publish. */
export function periodOption(description = 'the month (default: last month, UTC)'): Option {
  return new Option('--period <YYYY-MM>', description);
}

/** The month of a read-only command: the given one (the current month is allowed: it only reads), else last month. */
export function periodOf(value: string | undefined, ctx: CliContext): Period {
  const now = ctx.now();
  return value === undefined ? previousPeriod(now) : parsePeriod(value, now, '--period', { allowOpenPeriod: true });
}

export async function readInputFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (code ?? 'unreadable');
    throw new InputValidationError(`cannot read ${path}: ${why}`, { field: 'FILE' });
  }
}

export interface ImportOptions {
  account?: string;
  dryRun?: boolean;
  json?: boolean;
}

/** `<parent> import <file>`: the argument and options every CSV import takes. */
export function importCommand(parent: Command, description: string, fileHelp: string): Command {
  return parent
    .command('import')
    .description(description)
    .argument('<file>', fileHelp)
    .addOption(accountOption())
    .option('--dry-run', 'validate and show what would change; write nothing')
    .option('--json', 'print the result as JSON on stdout');
}

/** Writes a validated plan (nothing on --dry-run): how many items were written. */
export async function writeImport<T>(
  ctx: CliContext,
  plan: ImportPlan<T>,
  store: ImportStore<T>,
  options: ImportOptions,
): Promise<number> {
  return options.dryRun ? 0 : await applyImport(plan, store, ctx.progress(options.json));
}

/** The first line of an import's text report: the file, the account, the rows (and when nothing is written). */
export function importHeading(file: string, accountId: string, rows: number, dryRun: boolean): string {
  return `${dryRun ? 'DRY RUN (nothing written) · ' : ''}${file} → account ${accountId}, ${count(rows)} row(s)`;
}

/** The last line of an import's text report: what a dry run would write, or what was written. */
export function importWritten<T>(plan: ImportPlan<T>, written: number, dryRun: boolean, items: string): string {
  return dryRun ? `Would write ${count(itemsToWrite(plan).length)} ${items}.` : `Wrote ${count(written)} ${items}.`;
}

/** How many problems a terminal report lists before summarizing (JSON lists them all). */
const MAX_LISTED = 100;

/** Reports every problem of a rejected file (stderr for people, stdout for --json) and says nothing was written. */
export function reportCsvProblems(
  ctx: CliContext,
  file: string,
  problems: readonly CsvProblem[],
  json: boolean | undefined,
): void {
  if (json) {
    ctx.json({ file, ok: false, written: 0, problems });
    return;
  }
  const lines = [`cwpub: ${file} was not imported (nothing was written): ${problems.length} problem(s)`];
  for (const p of problems.slice(0, MAX_LISTED)) lines.push(`  ${file}: ${formatCsvProblem(p)}`);
  if (problems.length > MAX_LISTED)
    lines.push(`  … and ${problems.length - MAX_LISTED} more (use --json for the full list)`);
  ctx.err(lines.join('\n'));
}

/** The plan: counts, then one line per row that changes (unchanged rows are counted, not listed). */
export function renderPlan<T>(
  plan: ImportPlan<T>,
  heading: string,
  describe: (item: T) => string,
  display: Display,
): string {
  const { counts } = plan;
  const lines = [
    `${heading}: ${count(counts.new)} new, ${count(counts.changed)} changed, ${count(counts.unchanged)} unchanged`,
  ];
  const moving = plan.changes.filter((c) => c.action !== 'unchanged');
  if (moving.length > 0) {
    lines.push(
      renderColumns<ImportChange<T>>(
        [
          { header: 'ROW', value: (c) => c.row, align: 'right' },
          { header: 'KEY', value: (c) => c.key, fit: 'middle', minWidth: 12 },
          {
            header: 'ACTION',
            value: (c) => c.action,
            style: (t, _c, col) => (t === 'new' ? col.green(t) : col.yellow(t)),
          },
          {
            header: 'DETAILS',
            fit: 'wrap',
            minWidth: 24,
            value: (c) =>
              c.replacesInvalid
                ? `replaces an invalid item (${c.replacesInvalid}); ${describe(c.item)}`
                : c.action === 'new'
                  ? describe(c.item)
                  : c.changes.map(describeChange).join('; '),
          },
        ],
        moving,
        display,
      ),
    );
  }
  return lines.join('\n');
}

export function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}
