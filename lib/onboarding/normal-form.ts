/**
 * The normal form of a client or company name (contract v3, "Onboarding: Matching"), exactly as the
 * contract defines it. Two names match when their normal forms are equal and not empty.
 */

/** Trailing legal-form words, dropped while the last word is one of them. */
export const LEGAL_FORM_WORDS: ReadonlySet<string> = new Set(
  'inc incorporated llc llp lp ltd limited corp corporation co company plc gmbh ag sa bv nv pty pc'.split(' '),
);

export function normalForm(name: string): string {
  const folded = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}]/gu, ' ');
  const words = folded.split(' ').filter((w) => w !== '');
  if (words[0] === 'the') words.shift();
  while (words.length > 0 && LEGAL_FORM_WORDS.has(words[words.length - 1]!)) words.pop();
  return words.join(' ');
}
