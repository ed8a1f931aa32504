import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';
import type { Colors, Display } from './terminal.js';

/**
 * Plain column output, like kubectl: an upper-case header row, columns two spaces apart, no grid and
 * no separator lines, so 5,000 rows are 5,001 lines. When the rows are wider than the display, the
 * columns marked `wrap` or `truncate` give way (widest first) down to their minimum; short columns
 * (`keep`: statuses, numbers, ids) keep their width. Colour is applied after measuring, so it never
 * shifts a column.
 */
export interface Column<R> {
  readonly header: string;
  readonly value: (row: R) => string | number | undefined | null;
  readonly align?: 'left' | 'right';
  /**
   * How the column gives way on a narrow display (default `keep`): `truncate` cuts the end (names),
   * `middle` cuts the middle, keeping both ends (ids: `cwpub/acme-…-prod-eu-2` still tells them apart).
   */
  readonly fit?: Fit;
  /** Narrowest it may become (default: 10, or its header when that is wider). */
  readonly minWidth?: number;
  readonly style?: (text: string, row: R, c: Colors) => string;
}

type Fit = 'keep' | 'truncate' | 'middle' | 'wrap';

const GAP = '  ';
const ELLIPSIS = '…';

export function renderColumns<R>(columns: readonly Column<R>[], rows: readonly R[], display: Display): string {
  const cells = rows.map((row) => columns.map((col) => clean(col.value(row))));
  const widths = fitWidths(columns, cells, display.width);
  const lines: string[] = [];
  const header = columns.map((col, i) => {
    const text = truncate(col.header, widths[i]!);
    return i === columns.length - 1 && col.align !== 'right' ? text : pad(text, widths[i]!, col.align);
  });
  lines.push(trimEnd(header.map((h) => (display.color ? display.c.bold(h) : h)).join(GAP)));
  rows.forEach((row, r) => {
    const parts = columns.map((col, i) => layout(cells[r]![i]!, widths[i]!, col.fit ?? 'keep'));
    const height = Math.max(1, ...parts.map((p) => p.length));
    for (let l = 0; l < height; l++) {
      const plain = parts.map((p) => p[l] ?? '');
      const shown = plain.map((text, i) => {
        const col = columns[i]!;
        // The last column is not padded: no trailing blanks in copied output and diffs.
        const padded = i === columns.length - 1 && col.align !== 'right' ? text : pad(text, widths[i]!, col.align);
        if (!col.style || text === '' || !display.color) return padded;
        const styled = col.style(text, row, display.c);
        return col.align === 'right'
          ? padded.slice(0, padded.length - text.length) + styled
          : styled + padded.slice(text.length);
      });
      lines.push(trimEnd(shown.join(GAP)));
    }
  });
  return lines.join('\n');
}

/** Column widths: natural widths, then the flexible columns shrink until the table fits. */
export function fitWidths<R>(
  columns: readonly Column<R>[],
  cells: readonly (readonly string[])[],
  available: number,
): number[] {
  const widths = columns.map((col, i) =>
    Math.max(stringWidth(col.header), ...cells.map((row) => stringWidth(row[i]!))),
  );
  if (!Number.isFinite(available)) return widths;
  const floors = columns.map((col, i) => Math.min(widths[i]!, col.minWidth ?? Math.max(10, stringWidth(col.header))));
  let excess = widths.reduce((a, b) => a + b, 0) + GAP.length * (columns.length - 1) - available;
  while (excess > 0) {
    let widest = -1;
    columns.forEach((col, i) => {
      if ((col.fit ?? 'keep') === 'keep' || widths[i]! <= floors[i]!) return;
      if (widest < 0 || widths[i]! > widths[widest]!) widest = i;
    });
    if (widest < 0) break; // Only fixed columns left: let the line overflow rather than cut a status.
    widths[widest]!--;
    excess--;
  }
  return widths;
}

function layout(text: string, width: number, fit: Fit): string[] {
  if (stringWidth(text) <= width || fit === 'keep') return [text];
  if (fit === 'truncate') return [truncate(text, width)];
  if (fit === 'middle') return [truncateMiddle(text, width)];
  return wrapAnsi(text, width, { hard: true, trim: true }).split('\n');
}

/** Cuts `text` to `width` columns, ending with … when cut. Counts wide characters as two. */
export function truncate(text: string, width: number): string {
  if (stringWidth(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  for (const { segment } of new Intl.Segmenter().segment(text)) {
    const w = stringWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return out + ELLIPSIS;
}

/** Cuts the middle of `text` to fit `width` columns: the start and the (more telling) end stay. */
export function truncateMiddle(text: string, width: number): string {
  if (stringWidth(text) <= width) return text;
  if (width <= 2) return truncate(text, width);
  const segments = [...new Intl.Segmenter().segment(text)].map((s) => s.segment);
  const room = width - 1;
  const tailRoom = Math.ceil(room / 2);
  let tail = '';
  let used = 0;
  for (let i = segments.length - 1; i >= 0; i--) {
    const w = stringWidth(segments[i]!);
    if (used + w > tailRoom) break;
    tail = segments[i]! + tail;
    used += w;
  }
  let head = '';
  for (const segment of segments) {
    const w = stringWidth(segment);
    if (used + w > room) break;
    head += segment;
    used += w;
  }
  return head + ELLIPSIS + tail;
}

function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const room = Math.max(0, width - stringWidth(text));
  return align === 'right' ? ' '.repeat(room) + text : text + ' '.repeat(room);
}

/** Values from DynamoDB or ConnectWise may hold line breaks or tabs: one row stays one row. */
function clean(value: string | number | undefined | null): string {
  if (value === undefined || value === null) return '';
  const spaced = String(value).replace(/[\r\n\t]+/g, ' ');
  // eslint-disable-next-line no-control-regex -- control characters are what this removes
  return spaced.replace(/[\u0000-\u001f\u007f]/g, '');
}

/** No trailing blanks when the last cells are empty. */
function trimEnd(line: string): string {
  return line.replace(/ +$/, '');
}
