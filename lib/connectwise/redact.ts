/**
 * Scrubs credentials out of text that came back from ConnectWise or anything on the way (a proxy, a
 * WAF page): such text may echo the request's Authorization header or the keys, and it ends up in
 * errors, results, events, logs and the Ledger.
 */

export interface RedactableCredentials {
  readonly companyId: string;
  readonly publicKey: string;
  readonly privateKey: string;
}

export type Redactor = (text: string) => string;

export const REDACTED = '[redacted]';

/** Any Basic credential, ours or not: base64 of at least 8 characters after `Basic`. */
const BASIC_TOKEN = /Basic\s+[A-Za-z0-9+/=]{8,}/gi;

/** The Basic token this product sends for the credentials. */
export function basicToken(credentials: RedactableCredentials): string {
  return Buffer.from(`${credentials.companyId}+${credentials.publicKey}:${credentials.privateKey}`).toString('base64');
}

/**
 * A redactor for one set of credentials: removes (case-insensitively) the base64 token, the
 * `companyId+publicKey` user name, each key, their URL-encoded forms, and any `Basic <token>`.
 */
export function createRedactor(credentials: RedactableCredentials): Redactor {
  const token = basicToken(credentials);
  const values = [
    token,
    `${credentials.companyId}+${credentials.publicKey}`,
    credentials.privateKey,
    credentials.publicKey,
  ]
    .flatMap((value) => [value, encodeURIComponent(value)])
    .filter((value) => value.length > 0);
  // Longest first, so a key inside the user name never leaves the rest of the user name behind.
  const unique = [...new Set(values)].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(unique.map(escapeRegExp).join('|'), 'gi');
  return (text) => text.replace(BASIC_TOKEN, `Basic ${REDACTED}`).replace(pattern, REDACTED);
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
