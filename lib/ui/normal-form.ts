/**
 * A company or client name's normal form (contract v3 "Onboarding: Matching"): two names match when
 * their normal forms are equal and not empty.
 */
const LEGAL_FORMS = new Set(
  'inc incorporated llc llp lp ltd limited corp corporation co company plc gmbh ag sa bv nv pty pc'.split(' '),
);

export function normalForm(name: string): string {
  const words = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .split(' ')
    .filter((w) => w !== '');
  if (words[0] === 'the') words.shift();
  while (words.length > 0 && LEGAL_FORMS.has(words[words.length - 1]!)) words.pop();
  return words.join(' ');
}
