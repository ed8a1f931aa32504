import { basicToken, createRedactor, FRAGMENT_LENGTH, REDACTED } from '../../lib/connectwise/redact.js';

const CREDENTIALS = { companyId: 'acme', publicKey: 'aB3dE5fG7hJ9kL1m', privateKey: 'Zx8Cv6Bn4Mq2Wr0T' };
const TOKEN = basicToken(CREDENTIALS);
const SECRETS = { publicKey: CREDENTIALS.publicKey, privateKey: CREDENTIALS.privateKey, token: TOKEN };

/** Independent decodings of output text, so a fragment hidden behind an escape is still seen. */
function readings(text: string): string[] {
  const out = [text];
  try {
    out.push(decodeURIComponent(text), decodeURIComponent(decodeURIComponent(text)));
  } catch {
    // not URL-encoded as a whole
  }
  out.push(text.replace(/\\u([0-9a-f]{4})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
  out.push(text.replace(/&#(\d+);/g, (_, d: string) => String.fromCharCode(Number(d))));
  return out;
}

/** Which secrets have 8 or more consecutive characters (any case) in `text` under any reading. */
function fragmentLeaks(text: string): string[] {
  const found = new Set<string>();
  for (const reading of readings(text).map((r) => r.toLowerCase())) {
    for (const [name, secret] of Object.entries(SECRETS)) {
      const lower = secret.toLowerCase();
      for (let i = 0; i + FRAGMENT_LENGTH <= lower.length; i++) {
        if (reading.includes(lower.slice(i, i + FRAGMENT_LENGTH))) found.add(name);
      }
    }
  }
  return [...found].sort();
}

const percentAll = (s: string) => [...s].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
const unicodeAll = (s: string) => [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
const entitiesAll = (s: string) => [...s].map((c) => `&#${c.charCodeAt(0)};`).join('');

describe('createRedactor: secret fragments (contract v3)', () => {
  const redact = createRedactor(CREDENTIALS);

  it.each([
    ['the token without the word Basic', `Authorization: ${TOKEN}`],
    ['the token missing its last two characters', `proxy saw token=${TOKEN.slice(0, -2)} and gave up`],
    ['the token missing its last five characters', `<pre>${TOKEN.slice(0, -5)}</pre>`],
    ['the middle of the token', `...${TOKEN.slice(5, 17)}...`],
    ['a 9-character prefix of the public key', `key ${CREDENTIALS.publicKey.slice(0, 9)}… rejected`],
    ['9 characters from inside the private key, glued to other text', `x${CREDENTIALS.privateKey.slice(3, 12)}y`],
    ['the private key upper-cased', `secret=${CREDENTIALS.privateKey.toUpperCase()}`],
    ['the token percent-encoded character by character', `auth=${percentAll(TOKEN)}`],
    ['the token double percent-encoded', `auth=${encodeURIComponent(percentAll(TOKEN))}`],
    ['the public key JSON-escaped (\\u)', `{"user":"${unicodeAll(CREDENTIALS.publicKey)}"}`],
    ['the token with / escaped as \\/ (JSON)', `{"auth":"${TOKEN.replace(/\//g, '\\/')}"}`],
    ['the private key as HTML character references', `<b>${entitiesAll(CREDENTIALS.privateKey)}</b>`],
  ])('removes %s', (_what, text) => {
    expect(fragmentLeaks(text)).not.toEqual([]);
    const out = redact(text);
    expect(fragmentLeaks(out)).toEqual([]);
    expect(out).toContain(REDACTED);
  });

  it.each([['X-Auth: '], ['X-Auth:: '], ['X-Auth::: ']])(
    'removes the credentials base64-encoded at another offset (a header line %p encoded whole)',
    (prefix) => {
      const line = `${prefix}${CREDENTIALS.companyId}+${CREDENTIALS.publicKey}:${CREDENTIALS.privateKey}`;
      const out = redact(`echo ${Buffer.from(line).toString('base64')} end`);
      // Only characters that also encode the prefix, or the padding, may stay.
      expect(out).toMatch(/^echo [A-Za-z0-9+/=]{0,16}\[redacted\][A-Za-z0-9+/=]{0,4} end$/);
    },
  );

  it('removes every fragment of 8 or more characters of each secret, wherever it starts and ends', () => {
    for (const secret of Object.values(SECRETS)) {
      for (let start = 0; start + FRAGMENT_LENGTH <= secret.length; start++) {
        for (let end = start + FRAGMENT_LENGTH; end <= secret.length; end++) {
          const out = redact(`before ${secret.slice(start, end)} after`);
          expect(fragmentLeaks(out)).toEqual([]);
          expect(out.startsWith('before ')).toBe(true);
          expect(out.endsWith(' after')).toBe(true);
        }
      }
    }
  });

  it('keeps the text around a fragment and fragments shorter than 8 characters', () => {
    const seven = CREDENTIALS.publicKey.slice(0, 7);
    expect(redact(`partial ${seven} is not a leak`)).toBe(`partial ${seven} is not a leak`);
    expect(redact(`Gateway error: token ${TOKEN.slice(0, -2)} refused (502)`)).toBe(
      `Gateway error: token ${REDACTED} refused (502)`,
    );
  });

  it('leaves ordinary text, URLs and escapes that hold no secret alone', () => {
    const ordinary =
      'Basic auth failed for company acme: 401 at https://na.example.com/v4_6_release/apis/3.0/company%2Fconfigurations?page=2&amp;x=\\u0041';
    expect(redact(ordinary)).toBe(ordinary);
  });

  it('still removes any other Basic credential', () => {
    expect(redact('someone else: basic   dXNlcjpwYXNzd29yZA==')).toBe(`someone else: Basic ${REDACTED}`);
  });

  it('removes a key shorter than 8 characters whole', () => {
    const short = createRedactor({ companyId: 'acme', publicKey: 'pub1', privateKey: 'Prv9z' });
    expect(short('keys pub1 and PRV9Z')).toBe(`keys ${REDACTED} and ${REDACTED}`);
  });
});
