import picocolors from 'picocolors';
import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';

/** A stream the CLI writes to; `columns`/`isTTY` are there when it is a terminal. */
export interface OutStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export type Colors = ReturnType<typeof picocolors.createColors>;

/**
 * What a stream can show: how wide it is and whether it takes colour.
 * - width: the terminal's columns; `COLUMNS` when set (also for pipes, so a script can ask for a
 *   width); otherwise unlimited, so piped output keeps whole values for grep and awk;
 * - colour: only on a terminal, never with NO_COLOR (any value, https://no-color.org) or TERM=dumb;
 *   FORCE_COLOR=1..3 turns it on anywhere, FORCE_COLOR=0 off.
 */
export interface Display {
  readonly width: number;
  readonly color: boolean;
  readonly c: Colors;
}

export function displayFor(stream: OutStream, env: NodeJS.ProcessEnv, options: { noColor?: boolean } = {}): Display {
  const fromEnv = Number(env.COLUMNS);
  const width =
    stream.isTTY && stream.columns && stream.columns > 0
      ? stream.columns
      : Number.isInteger(fromEnv) && fromEnv > 0
        ? fromEnv
        : Infinity;
  const color = colorEnabled(stream, env, options.noColor ?? false);
  return { width, color, c: picocolors.createColors(color) };
}

export function colorEnabled(stream: OutStream, env: NodeJS.ProcessEnv, noColorFlag: boolean): boolean {
  if (noColorFlag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

/** Text wrapped to a terminal's width, line by line, keeping each line's indentation (pipes get it whole). */
export function fitLines(text: string, width: number): string {
  if (!Number.isFinite(width)) return text;
  return text
    .split('\n')
    .map((line) => {
      const indent = line.slice(0, line.length - line.trimStart().length);
      if (stringWidth(line) <= width) return line;
      // Continuation lines keep the line's indentation (a listed problem stays under its list).
      const room = Math.max(20, width - indent.length);
      return wrapAnsi(line.trimStart(), room, { hard: true, trim: true })
        .split('\n')
        .map((part) => indent + part)
        .join('\n');
    })
    .join('\n');
}
