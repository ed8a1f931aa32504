import { distance } from 'fastest-levenshtein';
import type { Company } from '../connectwise/types.js';

/**
 * Ranked look-alikes for a client whose name matches no company (`match: "none"`): shown to a person,
 * never suggested. The measure is Levenshtein similarity (fastest-levenshtein) of the normal forms,
 * also with their words sorted so that "Sons Smith" finds "Smith and Sons":
 * 1 − distance ÷ longer length, the better of the two. Ties: company name, then id.
 */
export const MAX_CANDIDATES = 3;
/** Below this a look-alike is noise, not a candidate. */
export const MIN_SIMILARITY = 0.5;

export interface FormedCompany {
  readonly company: Company;
  /** The company name's normal form (not empty). */
  readonly form: string;
  /** The same words, sorted. */
  readonly sorted: string;
}

export function formed(company: Company, form: string): FormedCompany {
  return { company, form, sorted: sortWords(form) };
}

export function similarity(a: string, b: string): number {
  const longer = Math.max(a.length, b.length);
  return longer === 0 ? 0 : 1 - distance(a, b) / longer;
}

export function rankCandidates(clientForm: string, companies: readonly FormedCompany[]): Company[] {
  if (clientForm === '') return [];
  const sorted = sortWords(clientForm);
  const scored: { company: Company; score: number }[] = [];
  for (const c of companies) {
    // A length gap alone rules a company out: no distance needed (thousands of companies per client).
    const gap = Math.abs(c.form.length - clientForm.length) / Math.max(c.form.length, clientForm.length);
    if (1 - gap < MIN_SIMILARITY) continue;
    const score = Math.max(similarity(clientForm, c.form), similarity(sorted, c.sorted));
    if (score >= MIN_SIMILARITY) scored.push({ company: c.company, score });
  }
  scored.sort(
    (a, b) => b.score - a.score || compareText(a.company.name, b.company.name) || a.company.id - b.company.id,
  );
  return scored.slice(0, MAX_CANDIDATES).map((s) => s.company);
}

function sortWords(form: string): string {
  return form.split(' ').sort().join(' ');
}

/** Code-point order: the same on every machine (localeCompare depends on the ICU data). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
