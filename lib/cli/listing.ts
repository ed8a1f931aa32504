import { Option } from 'commander';
import wrapAnsi from 'wrap-ansi';
import { InputValidationError } from '../errors.js';
import type { Display } from './terminal.js';

/**
 * Output that scales: a result lists what needs attention and what changed; the rows nothing happened
 * to are counted, not listed, unless `--all` or `--status STATUS…` asks for them.
 */
export interface ListingOptions {
  readonly all?: boolean;
  readonly status?: readonly string[];
}

export function listingOptions(statuses: readonly string[]): Option[] {
  return [
    new Option('--all', 'list every row, also the ones nothing happened to'),
    new Option(
      '--status <status...>',
      `list only rows with these statuses (${statuses.join(', ')}; comma or space separated)`,
    ).argParser((value: string, previous: string[] = []) => [
      ...previous,
      ...value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ]),
  ];
}

/**
 * Which statuses to list: `--status` as given, every one with `--all`, else the `shown` defaults.
 * An unknown status is a command-line error naming the known ones.
 */
export function statusesToList(
  options: ListingOptions,
  known: readonly string[],
  shown: readonly string[],
): ReadonlySet<string> {
  if (options.status && options.status.length > 0) {
    const unknown = options.status.filter((s) => !known.includes(s));
    if (unknown.length > 0) {
      throw new InputValidationError(`--status ${unknown.join(', ')}: not a status (use ${known.join(', ')})`, {
        field: '--status',
      });
    }
    return new Set(options.status);
  }
  return new Set(options.all ? known : shown);
}

/** `1,234`: counts read at a glance. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** "N <what>, N enabled[, N invalid]": the count line of a list whose items can be disabled or invalid. */
export function enabledCounts(what: string, items: readonly { enabled: boolean }[], invalid: number): string {
  const enabled = items.filter((i) => i.enabled).length;
  return `${count(items.length)} ${what}, ${count(enabled)} enabled${invalid ? `, ${count(invalid)} invalid` : ''}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** GB as people write it: 12.5, 10, 0.25. */
export function formatGb(value: number | undefined | null): string {
  if (value === undefined || value === null) return '';
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100);
}

/**
 * The line under a listing that says what was left out and how to see it, e.g.
 * `4,985 already up to date, 2 skipped not listed (--all lists every row, --status unchanged lists those)`.
 */
export function foldNote(
  hidden: readonly { readonly count: number; readonly words: string; readonly status: string }[],
): string | undefined {
  const left = hidden.filter((h) => h.count > 0);
  if (left.length === 0) return undefined;
  const what = left.map((h) => `${count(h.count)} ${h.words}`).join(', ');
  return `${what} not listed (--all lists every row; --status ${left.map((h) => h.status).join(',')} lists only those)`;
}

/** RFC 4180 CSV; a text cell that a spreadsheet would run as a formula gets a leading '. */
export function toCsv(
  header: readonly string[],
  rows: readonly (readonly (string | number | boolean | undefined | null)[])[],
): string {
  const cell = (v: string | number | boolean | undefined | null): string => {
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') return String(v);
    const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** A line of prose wrapped to the display (tables fit themselves; notes and headings need this). */
export function wrapText(text: string, display: Display): string {
  return Number.isFinite(display.width)
    ? wrapAnsi(text, Math.max(20, display.width), { hard: true, trim: true })
    : text;
}
