import { parse } from 'csv-parse/sync';

/**
 * Reading an operator's CSV file: bytes → text (UTF-8 only, BOM stripped) → header + rows with the
 * row numbers an operator sees in an editor (the header is row 1, blank lines count). Pure: no file
 * system, no DynamoDB; every problem is returned, never thrown, so one run reports them all.
 */

/** One thing wrong with an input file. `row` is the file's line number (header = 1); absent for the whole file. */
export interface CsvProblem {
  readonly row?: number;
  readonly field?: string;
  readonly problem: string;
}

export function formatCsvProblem(p: CsvProblem): string {
  const where = [
    p.row === undefined ? undefined : `row ${p.row}`,
    p.field === undefined ? undefined : `column ${p.field}`,
  ]
    .filter(Boolean)
    .join(', ');
  return where ? `${where}: ${p.problem}` : p.problem;
}

export type Decoded = { ok: true; text: string } | { ok: false; problem: CsvProblem };

const SAVE_AS_UTF8 = 'save it as "CSV UTF-8 (Comma delimited)" (or any UTF-8 CSV) and import it again';

/**
 * Decodes a file's bytes as UTF-8, stripping a UTF-8 byte-order mark. UTF-16 (what "Unicode text"
 * exports produce) and other encodings (Windows-1252 from older spreadsheet exports) are refused
 * with the line of the first bad byte, rather than imported as garbled IDs.
 */
export function decodeCsvBytes(bytes: Uint8Array): Decoded {
  if (bytes.length === 0) return { ok: false, problem: { problem: 'the file is empty (0 bytes)' } };
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return {
      ok: false,
      problem: { problem: `the file is UTF-16 encoded (it starts with a UTF-16 byte-order mark); ${SAVE_AS_UTF8}` },
    };
  }
  const sample = bytes.subarray(0, Math.min(bytes.length, 4096));
  const zeros = sample.reduce((n, b) => n + (b === 0 ? 1 : 0), 0);
  if (zeros > 0 && zeros >= sample.length / 4) {
    return {
      ok: false,
      problem: { problem: `the file looks UTF-16 encoded (it is full of zero bytes); ${SAVE_AS_UTF8}` },
    };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    const line = at === undefined ? undefined : lineOfByte(bytes, at);
    return {
      ok: false,
      problem: {
        ...(line === undefined ? {} : { row: line }),
        problem: `the file is not valid UTF-8${at === undefined ? '' : ` (byte ${at + 1} is not UTF-8)`}; ${SAVE_AS_UTF8}`,
      },
    };
  }
  if (text.includes('\u0000')) {
    return { ok: false, problem: { problem: `the file contains zero bytes (binary or UTF-16?); ${SAVE_AS_UTF8}` } };
  }
  if (text.trim() === '') return { ok: false, problem: { problem: 'the file is empty (no header row)' } };
  return { ok: true, text };
}

/** The offset of the first byte that does not start or continue a valid UTF-8 sequence. */
export function firstInvalidUtf8(bytes: Uint8Array): number | undefined {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // Binary search on prefixes would be cheaper, but files are small: walk sequences instead.
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]!;
    const length =
      b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    try {
      decoder.decode(bytes.subarray(i, i + length));
    } catch {
      return i;
    }
    i += length;
  }
  return undefined;
}

function lineOfByte(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** The columns a file kind accepts. Header names match case-insensitively and around white space. */
export interface CsvSpec {
  readonly required: readonly string[];
  readonly optional: readonly string[];
}

/** `clientId,managedId[,clientName][,enabled]`: the columns for a help text. */
export function csvHelp(spec: CsvSpec): string {
  // Words with spaces between, so help text wraps at any terminal width.
  const optional = spec.optional.length ? `; optional: ${spec.optional.join(', ')}` : '';
  return `columns ${spec.required.join(', ')}${optional}`;
}

export interface CsvRow {
  /** Line of the file where the row starts (header = 1). */
  readonly row: number;
  /** Cell values by canonical column name, trimmed. Only the file's columns are present. */
  readonly cells: Readonly<Record<string, string>>;
}

export interface CsvTable {
  /** Canonical names of the columns the file has, in file order. */
  readonly columns: readonly string[];
  readonly rows: readonly CsvRow[];
  /** Rows that could not be read as cells (wrong cell count): reported with the callers' own row checks. */
  readonly rowProblems: readonly CsvProblem[];
}

export type ParsedTable = { ok: true; table: CsvTable } | { ok: false; problems: CsvProblem[] };

/**
 * Parses CSV text against a spec: a header row naming every required column (any order), no unknown
 * or repeated columns, every row with as many cells as the header. Values are trimmed (spreadsheets
 * pad cells; IDs never carry outer spaces); blank lines are skipped but keep the row numbering.
 */
export function parseCsvTable(text: string, spec: CsvSpec): ParsedTable {
  // csv-parse miscounts lines when CRLF meets blank lines; LF-only text keeps `info.lines` exact.
  const normalized = (text.startsWith('\uFEFF') ? text.slice(1) : text).replace(/\r\n?/g, '\n');
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(normalized, {
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as unknown as typeof records;
  } catch (error) {
    const e = error as { message?: string; lines?: number };
    const message = String(e.message ?? error).replace(/\s+at line \d+/, '');
    return {
      ok: false,
      problems: [{ ...(e.lines ? { row: e.lines } : {}), problem: `the file is not valid CSV: ${message}` }],
    };
  }
  const startRow = (r: { record: string[]; info: { lines: number } }) =>
    r.info.lines - r.record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);

  const [header, ...body] = records;
  if (!header || header.record.every((cell) => cell.trim() === '')) {
    return { ok: false, problems: [{ problem: 'the file is empty (no header row)' }] };
  }
  const headerRow = startRow(header);
  const known = [...spec.required, ...spec.optional];
  const expected = spec.required.join(', ') + (spec.optional.length ? `; optional ${spec.optional.join(', ')}` : '');
  const problems: CsvProblem[] = [];
  const columns: string[] = [];
  const seen = new Map<string, number>();
  header.record.forEach((raw, index) => {
    const name = raw.trim();
    const canonical = known.find((k) => k.toLowerCase() === name.toLowerCase());
    if (name === '') {
      problems.push({ row: headerRow, problem: `column ${index + 1} of the header has no name` });
    } else if (!canonical) {
      problems.push({
        row: headerRow,
        field: name,
        problem: `unknown column (expected ${expected})`,
      });
    } else if (seen.has(canonical)) {
      problems.push({
        row: headerRow,
        field: canonical,
        problem: `column appears twice (columns ${seen.get(canonical)! + 1} and ${index + 1})`,
      });
    } else {
      seen.set(canonical, index);
    }
    columns.push(canonical ?? name);
  });
  for (const required of spec.required) {
    if (!seen.has(required)) {
      problems.push({
        row: headerRow,
        field: required,
        problem: `required column is missing (the header has: ${header.record.map((c) => c.trim()).join(', ') || 'nothing'})`,
      });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  if (body.length === 0) return { ok: false, problems: [{ problem: 'the file has a header row but no data rows' }] };

  const rows: CsvRow[] = [];
  for (const record of body) {
    const row = startRow(record);
    if (record.record.length !== columns.length) {
      problems.push({
        row,
        problem:
          `has ${record.record.length} cells, the header has ${columns.length} ` +
          '(a missing or extra comma, or an unquoted comma in a value?)',
      });
      continue;
    }
    // Spreadsheets export rows of bare commas below the data: nothing to import there.
    if (record.record.every((cell) => cell.trim() === '')) continue;
    const cells: Record<string, string> = {};
    columns.forEach((name, i) => {
      cells[name] = (record.record[i] ?? '').trim();
    });
    rows.push({ row, cells });
  }
  if (rows.length === 0 && problems.length === 0)
    return { ok: false, problems: [{ problem: 'the file has a header row but no data rows' }] };
  return { ok: true, table: { columns: columns.filter((c) => known.includes(c)), rows, rowProblems: problems } };
}

/** Problems in file order (stable for one row). */
export function sortProblems(problems: readonly CsvProblem[]): CsvProblem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.row ?? 0) - (b.p.row ?? 0) || a.i - b.i)
    .map(({ p }) => p);
}

/** Decodes and parses in one step. */
export function readCsv(bytes: Uint8Array, spec: CsvSpec): ParsedTable {
  const decoded = decodeCsvBytes(bytes);
  if (!decoded.ok) return { ok: false, problems: [decoded.problem] };
  return parseCsvTable(decoded.text, spec);
}
