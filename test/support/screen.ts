/**
 * What a person sees of a terminal capture, line by line. A progress bar redraws its line by moving the
 * cursor back (`\r`, or CSI n G) and clearing it (CSI 2K): each redraw is one state of that line, not a
 * longer line, so the capture is split there too before the colours and cursor moves are stripped.
 */
// eslint-disable-next-line no-control-regex
const REDRAW = /\r\n|\n|\r|\u001b\[\d*G/;
// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001b\[[0-9;?]*[A-Za-z]/g;

export function screenLines(raw: string): string[] {
  return raw.split(REDRAW).map((line) => line.replace(ESCAPES, ''));
}
