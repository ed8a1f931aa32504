/**
 * Scrubs credentials out of text that came back from ConnectWise or anything on the way (a proxy, a
 * WAF page): such text may echo the request's Authorization header or the keys, and it ends up in
 * errors, results, events, logs and the Ledger.
 *
 * Contract v3 ("Secrets, including fragments"): no output may hold 8 or more consecutive characters of
 * the public key, the private key or the base64 Authorization value, whatever the server wrapped them
 * in: without the word `Basic`, truncated, a 9-character prefix, URL-encoded, JSON- or HTML-escaped.
 * So the redactor does not look for whole values: it decodes the usual escapes into a view of the text
 * (remembering where each decoded character came from) and removes every stretch of the original text
 * whose decoded form is made of 8-character windows of a secret.
 */

export interface RedactableCredentials {
  readonly companyId: string;
  readonly publicKey: string;
  readonly privateKey: string;
}

export type Redactor = (text: string) => string;

export const REDACTED = '[redacted]';

/** The shortest run of a secret's characters that counts as a leak (contract v3). */
export const FRAGMENT_LENGTH = 8;

/** Any Basic credential, ours or not: base64 of at least 8 characters after `Basic`. */
const BASIC_TOKEN = /Basic\s+[A-Za-z0-9+/=]{8,}/gi;

/** The Basic token this product sends for the credentials. */
export function basicToken(credentials: RedactableCredentials): string {
  return Buffer.from(`${credentials.companyId}+${credentials.publicKey}:${credentials.privateKey}`).toString('base64');
}

/**
 * A redactor for one set of credentials: removes (case-insensitively) every fragment of 8 or more
 * characters of the keys and of the base64 token (also base64 of the credentials at another offset,
 * as when a proxy encodes a header line that holds them), in plain, URL-encoded, JSON-escaped or
 * HTML-escaped form, and any `Basic <token>`. A key shorter than 8 characters is removed whole.
 */
export function createRedactor(credentials: RedactableCredentials): Redactor {
  const secrets = secretForms(credentials);
  const windows = new Set<string>();
  // The user name goes whole (the company id alone is no secret, so none of its windows are looked for).
  const whole: string[] = [`${credentials.companyId}+${credentials.publicKey}`.toLowerCase()];
  for (const secret of secrets) {
    if (secret.length < FRAGMENT_LENGTH) {
      if (secret.length > 0) whole.push(secret);
      continue;
    }
    for (let i = 0; i + FRAGMENT_LENGTH <= secret.length; i++) windows.add(secret.slice(i, i + FRAGMENT_LENGTH));
  }
  return (text) => removeFragments(text, windows, whole).replace(BASIC_TOKEN, `Basic ${REDACTED}`);
}

/** The secret strings whose fragments must not appear, lower-cased (matching ignores case). */
function secretForms(credentials: RedactableCredentials): string[] {
  const { companyId, publicKey, privateKey } = credentials;
  const decoded = `${companyId}+${publicKey}:${privateKey}`;
  const forms = [publicKey, privateKey, basicToken(credentials)];
  // base64 of the credentials preceded by 1 or 2 other bytes: the characters that depend on the
  // credentials alone (the first 4 of each are mixed with the unknown prefix; the last 4 with padding).
  for (const offset of [1, 2]) {
    const shifted = Buffer.from(`${'\0'.repeat(offset)}${decoded}`).toString('base64');
    forms.push(shifted.slice(4, -4));
  }
  return forms.map((form) => form.toLowerCase());
}

/** A view of `text` with escapes decoded: `chars[i]` came from `text.slice(from[i], to[i])`. */
interface DecodedView {
  readonly chars: string[];
  readonly from: number[];
  readonly to: number[];
}

const HTML_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  quot: '"',
  apos: "'",
  lt: '<',
  gt: '>',
  plus: '+',
  sol: '/',
  equals: '=',
  colon: ':',
  percnt: '%',
  bsol: '\\',
};

/** One escape at `text[i]`: the character it stands for and its length; undefined when there is none. */
function escapeAt(text: string, i: number): { char: string; length: number } | undefined {
  const first = text[i];
  if (first !== '%' && first !== '\\' && first !== '&') return undefined;
  const rest = text.slice(i, i + 12);
  let m: RegExpExecArray | null;
  if ((m = /^%([0-9a-f]{2})/i.exec(rest))) return { char: String.fromCharCode(parseInt(m[1]!, 16)), length: 3 };
  if ((m = /^\\u([0-9a-f]{4})/i.exec(rest))) return { char: String.fromCharCode(parseInt(m[1]!, 16)), length: 6 };
  if ((m = /^\\x([0-9a-f]{2})/i.exec(rest))) return { char: String.fromCharCode(parseInt(m[1]!, 16)), length: 4 };
  if ((m = /^\\([^ux])/i.exec(rest))) return { char: m[1]!, length: 2 };
  // Numeric references within one UTF-16 unit (keys and base64 are ASCII), so positions stay aligned.
  if ((m = /^&#x([0-9a-f]{1,4});/i.exec(rest)))
    return { char: String.fromCharCode(parseInt(m[1]!, 16)), length: m[0].length };
  if ((m = /^&#([0-9]{1,5});/.exec(rest)) && Number(m[1]) < 0x10000)
    return { char: String.fromCharCode(Number(m[1])), length: m[0].length };
  if ((m = /^&([a-z]+);/i.exec(rest))) {
    const char = HTML_ENTITIES[m[1]!.toLowerCase()];
    if (char !== undefined) return { char, length: m[0].length };
  }
  return undefined;
}

/** One pass of decoding over `view` (a second pass undoes double encoding such as `%252B`). */
function decodeOnce(view: DecodedView): DecodedView {
  // Every entry of `view` is one UTF-16 unit, so positions in `text` are indexes into it.
  const text = view.chars.join('');
  const chars: string[] = [];
  const from: number[] = [];
  const to: number[] = [];
  let i = 0;
  while (i < view.chars.length) {
    const escape = escapeAt(text, i);
    const length = escape?.length ?? 1;
    chars.push(escape?.char ?? view.chars[i]!);
    from.push(view.from[i]!);
    to.push(view.to[i + length - 1]!);
    i += length;
  }
  return { chars, from, to };
}

function decodedView(text: string): DecodedView {
  // Split into UTF-16 units so positions in the joined text and in the arrays agree.
  const chars = text.split('');
  let view: DecodedView = { chars, from: chars.map((_, i) => i), to: chars.map((_, i) => i + 1) };
  for (let pass = 0; pass < 2; pass++) {
    const next = decodeOnce(view);
    if (next.chars.length === view.chars.length) break;
    view = next;
  }
  return view;
}

/** Replaces every stretch of `text` whose decoded form is covered by secret windows with REDACTED. */
function removeFragments(text: string, windows: ReadonlySet<string>, whole: readonly string[]): string {
  if (text.length === 0) return text;
  // Text with no escape to decode (most of it) is scanned as it is, without the per-character view.
  const lower = text.toLowerCase();
  const view = /[%\\&]/.test(text) || lower.length !== text.length ? decodedView(text) : undefined;
  // Lower-cased one unit at a time (a few characters grow when lower-cased), so indexes stay aligned.
  const decoded = view ? view.chars.map((c) => (c.toLowerCase().length === 1 ? c.toLowerCase() : c)).join('') : lower;
  const from = (i: number) => (view ? view.from[i]! : i);
  const to = (i: number) => (view ? view.to[i]! : i + 1);
  const covered = new Uint8Array(decoded.length);
  const cover = (start: number, length: number) => covered.fill(1, start, start + length);
  for (let i = 0; i + FRAGMENT_LENGTH <= decoded.length; i++) {
    if (windows.has(decoded.slice(i, i + FRAGMENT_LENGTH))) cover(i, FRAGMENT_LENGTH);
  }
  for (const secret of whole) {
    for (let at = decoded.indexOf(secret); at >= 0; at = decoded.indexOf(secret, at + 1)) cover(at, secret.length);
  }
  // Covered decoded characters → ranges of the original text, merged.
  const ranges: Array<[number, number]> = [];
  for (let i = 0; i < covered.length; i++) {
    if (!covered[i]) continue;
    let j = i;
    while (j + 1 < covered.length && covered[j + 1]) j++;
    const [start, end] = [from(i), to(j)];
    const last = ranges[ranges.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else ranges.push([start, end]);
    i = j;
  }
  let out = '';
  let at = 0;
  for (const [start, end] of ranges) {
    out += text.slice(at, start) + REDACTED;
    at = end;
  }
  return out + text.slice(at);
}
