import { readFileSync } from 'node:fs';
import { DOCTOR_RULES_PAGE, renderDoctorRules } from '../../scripts/doctor-rules.js';
import { DOCTOR_PACK } from '../../lib/doctor/pack.js';

describe('docs/doctor-rules.md', () => {
  it('is what `npm run docs:doctor` writes from the rule pack today (re-run it after changing a rule)', () => {
    expect(readFileSync(DOCTOR_RULES_PAGE, 'utf8')).toBe(renderDoctorRules());
  });

  it('lists every rule of the pack by its id', () => {
    const page = renderDoctorRules();
    for (const rule of DOCTOR_PACK) expect(page).toContain(`| \`${rule.id}\` |`);
  });

  it('refuses a rule that says nothing of what it checks or where to fix it', () => {
    const [first] = DOCTOR_PACK;
    const { docs: _docs, ...undocumented } = first!;
    expect(() => renderDoctorRules([undocumented])).toThrow(/doctor rule table:accounts has no docs/);
  });
});
