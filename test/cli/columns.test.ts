import stringWidth from 'string-width';
import { renderColumns, truncate, truncateMiddle, type Column } from '../../lib/cli/columns.js';
import { colorEnabled, displayFor, type OutStream } from '../../lib/cli/terminal.js';

interface Row {
  id: string;
  name: string;
  gb: number;
  status: string;
}

const columns: Column<Row>[] = [
  { header: 'CLIENT', value: (r) => r.id, fit: 'truncate', minWidth: 8 },
  { header: 'GB', value: (r) => r.gb, align: 'right' },
  { header: 'STATUS', value: (r) => r.status, style: (t, _r, c) => c.red(t) },
  { header: 'NAME', value: (r) => r.name, fit: 'wrap', minWidth: 12 },
];
const rows: Row[] = [
  {
    id: 'client-00001',
    name: 'Northern Regional Health and Social Care Partnership Trust',
    gb: 12.5,
    status: 'FAILED',
  },
  { id: 'c-2', name: '日本語の会社名前', gb: 3, status: 'ok' },
];
const plain = (width: number) => ({ width, color: false, c: displayFor({ write: () => true }, {}).c });
// eslint-disable-next-line no-control-regex
const visible = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');

describe('renderColumns (kubectl-like columns)', () => {
  it('prints a header and one line per row, no grid, when the display is wide enough', () => {
    expect(renderColumns(columns, rows, plain(Infinity)).split('\n')).toEqual([
      'CLIENT          GB  STATUS  NAME',
      'client-00001  12.5  FAILED  Northern Regional Health and Social Care Partnership Trust',
      'c-2              3  ok      日本語の会社名前',
    ]);
  });

  it.each([40, 50, 64, 80])(
    'fits a %i-column display: long text wraps under its column, ids are cut with …',
    (width) => {
      const out = renderColumns(columns, rows, plain(width)).split('\n');
      for (const line of out) expect(stringWidth(line)).toBeLessThanOrEqual(width);
      // The status never moves: every continuation line leaves the other columns blank.
      const nameAt = out[0]!.indexOf('NAME');
      expect(
        out.slice(1).every((l) => l.length <= nameAt || l.slice(0, nameAt).trim() === '' || /^(client|c-2)/.test(l)),
      ).toBe(true);
      expect(out.join(' ').replace(/\s+/g, ' ')).toContain('Social Care');
    },
  );

  it('keeps wide (CJK) characters aligned by display width', () => {
    const out = renderColumns(columns, rows, plain(36)).split('\n');
    for (const line of out) expect(stringWidth(line)).toBeLessThanOrEqual(36);
    expect(out.some((l) => l.includes('日本'))).toBe(true);
  });

  it('colours after measuring, so coloured and plain output line up the same', () => {
    const colored = renderColumns(columns, rows, {
      ...plain(60),
      color: true,
      c: displayFor({ write: () => true, isTTY: true }, { FORCE_COLOR: '1' }).c,
    });
    expect(colored).toContain('\u001b[31mFAILED\u001b[39m');
    expect(visible(colored)).toBe(renderColumns(columns, rows, plain(60)));
  });

  it('turns line breaks and control characters in values into spaces: one row stays one row', () => {
    const out = renderColumns(
      columns,
      [{ id: 'x\ny', name: 'a\tb', gb: 1, status: 'ok\u0007' }],
      plain(Infinity),
    ).split('\n');
    expect(out).toHaveLength(2);
    expect(out[1]).toBe('x y      1  ok      a b');
  });

  it('truncate() cuts at display width and marks the cut', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('日本語', 4)).toBe('日…');
    expect(truncate('abc', 3)).toBe('abc');
  });
});

describe('colour and width of a stream', () => {
  const tty: OutStream = { write: () => true, isTTY: true, columns: 100 };
  const pipe: OutStream = { write: () => true };
  it.each<[NodeJS.ProcessEnv, OutStream, boolean, boolean]>([
    [{}, tty, false, true],
    [{ NO_COLOR: '1' }, tty, false, false],
    [{ NO_COLOR: '' }, tty, false, true],
    [{ TERM: 'dumb' }, tty, false, false],
    [{}, pipe, false, false],
    [{ FORCE_COLOR: '1' }, pipe, false, true],
    [{ FORCE_COLOR: '0' }, tty, false, false],
    [{}, tty, true, false],
  ])('env %p on %p with --no-color=%p → colour %p', (env, stream, flag, expected) => {
    expect(colorEnabled(stream, env, flag)).toBe(expected);
  });

  it('uses the terminal width, COLUMNS for pipes, and no limit otherwise', () => {
    expect(displayFor(tty, { COLUMNS: '80' }).width).toBe(100);
    expect(displayFor({ write: () => true }, { COLUMNS: '80' }).width).toBe(80);
    expect(displayFor({ write: () => true }, {}).width).toBe(Infinity);
  });
});

describe('Function: truncateMiddle', () => {
  it('keeps both ends of a long id, so ids that differ only at the end stay apart', () => {
    const a = truncateMiddle('arn:aws:secretsmanager:eu-west-1:123456789012:secret:cwpub/acme-prod-eu-1', 24);
    const b = truncateMiddle('arn:aws:secretsmanager:eu-west-1:123456789012:secret:cwpub/acme-prod-eu-2', 24);
    expect(stringWidth(a)).toBe(24);
    expect(a).toBe('arn:aws:sec…me-prod-eu-1');
    expect(a).not.toBe(b);
    expect(truncateMiddle('short', 24)).toBe('short');
  });
});
