import type { Configuration } from '../connectwise/types.js';
import type { OwnedConfiguration } from '../publisher/ports/index.js';
import { isOurSolution } from '../publisher/resolution.js';
import { describeConfiguration } from './billing-model.js';
import type { VerifyView } from './view.js';

/** An owned configuration the sync no longer bills: retired (inactive, or in the deleted status), or deleted. */
export interface RetiredOwned {
  readonly record: OwnedConfiguration;
  readonly configuration?: Configuration | undefined;
  readonly companyId: number;
  readonly describe: string;
}

export function retiredOwned(view: VerifyView): RetiredOwned[] {
  const billing = new Set(view.billing.map((c) => c.id));
  const byId = new Map(view.input.configurations.map((c) => [c.id, c]));
  const out: RetiredOwned[] = [];
  for (const record of view.input.owned) {
    if (billing.has(record.configurationId)) continue;
    const configuration = byId.get(record.configurationId);
    const describe = configuration
      ? `${describeConfiguration(configuration)}${configuration.activeFlag === false ? ', inactive' : ', in the deleted status'}`
      : `#${record.configurationId} (deleted)`;
    out.push({ record, configuration, companyId: configuration?.company.id ?? record.companyId, describe });
  }
  return out;
}

export function retiredClientsOn(view: VerifyView, companyId: number): RetiredOwned[] {
  return retiredOwned(view).filter((r) => r.companyId === companyId);
}

/** The default agreements of the company's Management entries for our solution: what the sync bills it on. */
export function agreementsOfCompany(view: VerifyView, companyId: number): number[] {
  const ids = new Set<number>();
  for (const { company, entry } of view.input.tab.entries) {
    if (company.id === companyId && entry.agreement && isOurSolution(entry, view.input.solution))
      ids.add(entry.agreement.id);
  }
  return [...ids];
}
