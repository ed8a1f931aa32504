/**
 * The rules for the keys an operator types (account and client ids), applied on every path that
 * writes or looks up a mapping or an account (flags, CSV imports): outer white space is trimmed, an
 * empty id is refused, and an id may not start with `#` (the Ledger keys its own items with `#…`).
 */
export type KeyCheck = { ok: true; value: string } | { ok: false; problem: string };

export function checkKey(raw: string): KeyCheck {
  const value = raw.trim();
  if (value === '')
    return { ok: false, problem: raw === '' ? 'must not be empty' : 'must not be empty (it is only white space)' };
  if (value.startsWith('#')) return { ok: false, problem: `must not start with # (got "${value}")` };
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\u0000-\u001f\u007f]/.test(value))
    return { ok: false, problem: 'must not contain control characters (a line break or a tab?)' };
  return { ok: true, value };
}
