import {
  decodeCsvBytes,
  firstInvalidUtf8,
  formatCsvProblem,
  parseCsvTable,
  readCsv,
  type CsvSpec,
} from '../../lib/imports/csv-file.js';

const SPEC: CsvSpec = { required: ['clientId', 'managedId'], optional: ['clientName', 'enabled'] };
const bytes = (text: string) => new TextEncoder().encode(text);

describe('Function: decodeCsvBytes', () => {
  it('strips a UTF-8 byte-order mark and keeps accented text', () => {
    // Prepare
    const input = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes('clientId,managedId\nc1,Café\n')]);
    // Act
    const decoded = decodeCsvBytes(input);
    // Assess
    expect(decoded).toEqual({ ok: true, text: 'clientId,managedId\nc1,Café\n' });
  });

  it('refuses an empty file', () => {
    expect(decodeCsvBytes(new Uint8Array())).toEqual({
      ok: false,
      problem: { problem: 'the file is empty (0 bytes)' },
    });
    expect(decodeCsvBytes(bytes(' \n\n'))).toMatchObject({
      ok: false,
      problem: { problem: 'the file is empty (no header row)' },
    });
  });

  it.each([
    ['UTF-16 LE with BOM', new Uint8Array([0xff, 0xfe, 0x63, 0x00, 0x31, 0x00])],
    ['UTF-16 BE with BOM', new Uint8Array([0xfe, 0xff, 0x00, 0x63, 0x00, 0x31])],
  ])('refuses %s and says how to save the file', (_name, input) => {
    const decoded = decodeCsvBytes(input);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.problem.problem).toMatch(/UTF-16 encoded.*save it as "CSV UTF-8/);
  });

  it('refuses UTF-16 without a byte-order mark (zero bytes)', () => {
    const input = new Uint8Array(Buffer.from('clientId,managedId\nc1,M-1\n', 'utf16le'));
    const decoded = decodeCsvBytes(input);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.problem.problem).toMatch(/UTF-16/);
  });

  it('refuses Windows-1252 text with the row of the first bad byte', () => {
    // Prepare: "é" as the single byte 0xE9 on line 3
    const input = new Uint8Array([...bytes('clientId,managedId\nc1,M-1\nc2,Caf'), 0xe9, ...bytes('\n')]);
    // Act
    const decoded = decodeCsvBytes(input);
    // Assess
    expect(decoded).toEqual({
      ok: false,
      problem: {
        row: 3,
        problem: expect.stringMatching(/not valid UTF-8 \(byte 33 is not UTF-8\)/) as unknown as string,
      },
    });
  });
});

describe('Function: firstInvalidUtf8', () => {
  it('finds the first byte that breaks UTF-8, or nothing', () => {
    expect(firstInvalidUtf8(bytes('héllo'))).toBeUndefined();
    expect(firstInvalidUtf8(new Uint8Array([0x61, 0xc3]))).toBe(1); // truncated sequence
    expect(firstInvalidUtf8(new Uint8Array([0x61, 0x62, 0xff]))).toBe(2);
    expect(firstInvalidUtf8(new Uint8Array([0xed, 0xa0, 0x80]))).toBe(0); // a lone surrogate
  });
});

describe('Function: parseCsvTable', () => {
  it('reads columns in any order, case-insensitively, and trims cells', () => {
    const parsed = parseCsvTable('ManagedID , clientid\n M-1 ,c1\n', SPEC);
    expect(parsed).toEqual({
      ok: true,
      table: {
        columns: ['managedId', 'clientId'],
        rows: [{ row: 2, cells: { managedId: 'M-1', clientId: 'c1' } }],
        rowProblems: [],
      },
    });
  });

  it('numbers rows as in the file: header = 1, blank lines counted, CRLF or LF, quoted line breaks', () => {
    const text = 'clientId,managedId\r\nc1,M-1\r\n\r\n"c\r\n2",M-2\r\nc3,M-3\r\n';
    const parsed = parseCsvTable(text, SPEC);
    expect(parsed.ok && parsed.table.rows.map((r) => [r.row, r.cells.clientId])).toEqual([
      [2, 'c1'],
      [4, 'c\n2'],
      [6, 'c3'],
    ]);
  });

  it('skips rows of bare commas that spreadsheets add below the data', () => {
    const parsed = parseCsvTable('clientId,managedId\nc1,M-1\n,\n , \n', SPEC);
    expect(parsed.ok && parsed.table.rows).toHaveLength(1);
  });

  it('names a missing required column and what the header has', () => {
    const parsed = parseCsvTable('clientId,clientName\nc1,One\n', SPEC);
    expect(parsed).toEqual({
      ok: false,
      problems: [
        { row: 1, field: 'managedId', problem: 'required column is missing (the header has: clientId, clientName)' },
      ],
    });
  });

  it('refuses unknown, repeated and unnamed columns', () => {
    const parsed = parseCsvTable('clientId,managedId,site,clientid,\n', SPEC);
    expect(parsed.ok).toBe(false);
    const messages = parsed.ok ? [] : parsed.problems.map(formatCsvProblem);
    expect(messages).toEqual([
      expect.stringMatching(
        /^row 1, column site: unknown column \(expected clientId, managedId; optional clientName, enabled\)$/,
      ),
      'row 1, column clientId: column appears twice (columns 1 and 4)',
      'row 1: column 5 of the header has no name',
    ]);
  });

  it('reports rows whose cell count differs from the header, naming each row, and keeps the others', () => {
    const parsed = parseCsvTable('clientId,managedId\nc1,M-1,extra\nc2\nc3,M-3\n', SPEC);
    expect(parsed.ok && parsed.table.rowProblems.map((p) => p.row)).toEqual([2, 3]);
    expect(parsed.ok && parsed.table.rows.map((r) => r.row)).toEqual([4]);
  });

  it('refuses a header without data rows', () => {
    expect(parseCsvTable('clientId,managedId\n\n', SPEC)).toEqual({
      ok: false,
      problems: [{ problem: 'the file has a header row but no data rows' }],
    });
  });

  it('reports broken quoting with its line', () => {
    const parsed = parseCsvTable('clientId,managedId\nc1,"M-1\n', SPEC);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok)
      expect(parsed.problems[0]).toMatchObject({
        problem: expect.stringMatching(/not valid CSV: Quote Not Closed/) as unknown as string,
      });
  });
});

describe('Function: readCsv', () => {
  it('decodes then parses', () => {
    expect(readCsv(bytes('clientId,managedId\nc1,M-1\n'), SPEC).ok).toBe(true);
    expect(readCsv(new Uint8Array(), SPEC).ok).toBe(false);
  });
});
