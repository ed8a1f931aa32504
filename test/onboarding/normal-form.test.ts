import { normalForm } from '../../lib/onboarding/normal-form.js';
import { rankCandidates, formed, similarity } from '../../lib/onboarding/candidates.js';
import type { Company } from '../../lib/connectwise/types.js';

describe('Function: normalForm', () => {
  it.each([
    // case
    ['Contoso', 'contoso'],
    ['CONTOSO', 'contoso'],
    // diacritics (NFKD, combining marks removed) and compatibility forms
    ['Müller', 'muller'],
    ['Société Générale', 'societe generale'],
    ['Ｆａｂｒｉｋａｍ', 'fabrikam'],
    ['İstanbul Bilişim', 'istanbul bilisim'],
    // & → and
    ['Smith & Sons', 'smith and sons'],
    ['Smith&Sons', 'smith and sons'],
    ['Smith and Sons', 'smith and sons'],
    // punctuation becomes a space, runs of spaces collapse
    ['Fabrikam, Inc.', 'fabrikam'],
    ['A.B.C. Plumbing', 'a b c plumbing'],
    ["O'Brien-Smith  (UK)", 'o brien smith uk'],
    ['  padded\tname\n', 'padded name'],
    // a leading "the" only
    ['The Alpine Group', 'alpine group'],
    ['the alpine group', 'alpine group'],
    ['Theatre Royal', 'theatre royal'],
    ['Bring The Noise', 'bring the noise'],
    // trailing legal-form words, repeated
    ['Contoso Ltd', 'contoso'],
    ['Contoso Limited', 'contoso'],
    ['Contoso Pty Ltd', 'contoso'],
    ['Contoso Co., Ltd.', 'contoso'],
    ['Acme Holdings Company, Inc', 'acme holdings'],
    ['Müller GmbH & Co. KG', 'muller gmbh and co kg'],
    ['Widget Corp Corporation LLC', 'widget'],
    ['BV Acme NV', 'bv acme'],
    ['Ltd Contoso', 'ltd contoso'],
    // digits are kept
    ['3M Company', '3m'],
    // empty results
    ['', ''],
    ['The', ''],
    ['Ltd.', ''],
    ['The Company, Inc.', ''],
    ['&', 'and'],
    ['---', ''],
  ])('%p → %p', (name, form) => {
    expect(normalForm(name)).toBe(form);
  });

  it('makes "Ltd" = "Limited" and "&" = "and" equal, as people expect', () => {
    expect(normalForm('Smith & Sons Ltd')).toBe(normalForm('smith and sons limited'));
    expect(normalForm('The Müller Company')).toBe(normalForm('MULLER'));
  });
});

describe('Function: rankCandidates', () => {
  const company = (id: number, name: string): Company => ({ id, identifier: `C${id}`, name });
  const pool = (...companies: Company[]) => companies.map((c) => formed(c, normalForm(c.name)));

  it('ranks look-alikes best first and keeps at most 3', () => {
    const ranked = rankCandidates(
      normalForm('Wingtips Toy'),
      pool(
        company(1, 'Wingtip Toys'),
        company(2, 'Tailspin Toys'),
        company(3, 'Wingtip Toy Co'),
        company(4, 'Wing Tips'),
        company(5, 'Wingtip Toyz'),
        company(6, 'Contoso'),
      ),
    );
    expect(ranked.map((c) => c.id)).toEqual([3, 1, 5]);
  });

  it('finds a name with its words in another order', () => {
    expect(rankCandidates(normalForm('Sons Smith'), pool(company(1, 'Smith and Sons')))).toEqual([
      company(1, 'Smith and Sons'),
    ]);
    expect(similarity('abc', 'abd')).toBeCloseTo(2 / 3);
  });

  it('breaks ties by name, then id, and leaves out what is not alike at all', () => {
    const ranked = rankCandidates(
      'abcd',
      pool(company(9, 'abce'), company(2, 'abcf'), company(1, 'abcf'), company(3, 'zzzz zzzz')),
    );
    expect(ranked.map((c) => c.id)).toEqual([9, 1, 2]);
    expect(rankCandidates('', pool(company(1, 'x')))).toEqual([]);
  });
});
