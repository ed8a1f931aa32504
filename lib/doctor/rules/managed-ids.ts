import type { Agreement, Company, ManagementEntry, ManagementItSolution, Reference } from '../../connectwise/types.js';
import type { Mapping } from '../../publisher/ports/index.js';
import { loadManagementTab, resolveManagedId, type ManagementTab } from '../../publisher/resolution.js';
import { fail, ok, type Rule, type Verdict } from '../runner.js';
import { need, type DoctorContext } from '../types.js';

/**
 * Every enabled mapping's Managed ID, resolved exactly as the publisher resolves it, against every
 * company's Management tab (the doctor always looks everywhere). One failed row per mapping with a
 * problem (`mapping:<clientId>`), and one summary row when some are fine. Records the agreement
 * types in use for the Management Backup check.
 */
export const managedIds: Rule<DoctorContext> = {
  id: 'managedIds',
  title: 'Managed IDs',
  docs: {
    checks:
      "for every enabled mapping: its Managed ID on exactly one company's Management tab for the solution (near misses are named), device type Backup Stats, a default agreement that exists, is Active and belongs to that company; one row per client",
    fixIn: 'ConnectWise: Companies > the company > Management tab',
  },
  dependsOn: ['mappings', 'solution'],
  async run(ctx) {
    const enabled = need(ctx.facts.mappings, 'the mappings').items.filter((m) => m.enabled);
    if (enabled.length === 0) {
      ctx.facts.typesInUse = new Map();
      return []; // nothing to resolve (the mappings check warns)
    }
    const solution = need(ctx.facts.solution, 'the Management IT solution');
    const cw = need(ctx.facts.connectWise, 'the ConnectWise connection');
    const [tab, agreements] = await Promise.all([loadManagementTab(cw, ctx.deps.progress), cw.listAgreements()]);
    ctx.facts.tab = tab;
    ctx.facts.agreements = agreements;
    const { verdicts, typesInUse, good } = checkMappings(solution, enabled, tab, agreements);
    ctx.facts.typesInUse = typesInUse;
    if (good > 0) {
      verdicts.push(
        ok(
          `${good} of ${enabled.length} enabled mapping(s) resolve to exactly one company, ` +
            'device type Backup Stats, with an Active default agreement',
        ),
      );
    }
    return verdicts;
  },
};

interface MappingsFindings {
  readonly verdicts: Verdict[];
  readonly typesInUse: Map<number, Reference>;
  readonly good: number;
}

export function checkMappings(
  solution: ManagementItSolution,
  enabled: readonly Mapping[],
  tab: ManagementTab,
  agreements: readonly Agreement[],
): MappingsFindings {
  const agreementById = new Map(agreements.map((a) => [a.id, a]));
  const typesInUse = new Map<number, Reference>();
  const verdicts: Verdict[] = [];
  let good = 0;
  for (const mapping of [...enabled].sort((a, b) => a.clientId.localeCompare(b.clientId))) {
    const row = {
      id: `mapping:${mapping.clientId}`,
      check: `Managed ID "${mapping.managedId}" (client ${mapping.clientId})`,
    };
    const resolution = resolveManagedId(tab, solution, mapping.managedId);
    const only = resolution.matches.length === 1 ? resolution.matches[0] : undefined;
    if (!only) {
      verdicts.push({ ...row, ...unresolved(solution, mapping, resolution) });
      continue;
    }
    const found = entryProblems(only.company, only.entry, agreementById);
    if (found.agreementType) typesInUse.set(found.agreementType.id, found.agreementType);
    if (found.problems.length === 0) {
      good++;
      continue;
    }
    verdicts.push({
      ...row,
      ...fail(
        `company ${only.company.identifier} (#${only.company.id}): ${found.problems.join('; ')}`,
        `ConnectWise: Companies > ${only.company.identifier} > Management tab, entry "${mapping.managedId}": ${found.fixes.join('; ')}`,
      ),
    });
  }
  return { verdicts, typesInUse, good };
}

function unresolved(
  solution: ManagementItSolution,
  mapping: Mapping,
  resolution: ReturnType<typeof resolveManagedId>,
): Verdict {
  if (resolution.matches.length > 1) {
    return fail(
      `on ${resolution.matches.length} companies ` +
        `(${resolution.matches.map((m) => m.company.identifier).join(', ')}); it must be on exactly one`,
      `ConnectWise: Companies > Management tab: keep Managed ID "${mapping.managedId}" on one company only`,
    );
  }
  const hints = [
    ...resolution.otherSolution.map(
      (o) =>
        `company ${o.company.identifier} has it for solution "${o.entry.managementSolution?.name ?? '?'}", not "${solution.name}"`,
    ),
    ...resolution.otherCase.map(
      (o) => `company ${o.company.identifier} has "${o.entry.groupIdentifier}" (Managed IDs match case-sensitively)`,
    ),
  ];
  return fail(
    `on no company's Management tab for solution "${solution.name}"${hints.length ? `; ${hints.join('; ')}` : ''}`,
    "ConnectWise: Companies > (the client's company) > Management tab: " +
      `add Managed ID "${mapping.managedId}" with Management IT "${solution.name}" ` +
      'and device type Backup Stats (or fix the mapping with cwpub mappings put)',
  );
}

/** What keeps the sync from billing through this Management entry: device type, default agreement. */
function entryProblems(
  company: Company,
  entry: ManagementEntry,
  agreementById: ReadonlyMap<number, Agreement>,
): { problems: string[]; fixes: string[]; agreementType?: Reference } {
  const problems: string[] = [];
  const fixes: string[] = [];
  const problem = (what: string, fix: string) => {
    problems.push(what);
    fixes.push(fix);
  };
  if (entry.deviceType !== 'BackupStats')
    problem(`device type is ${entry.deviceType ?? 'not set'}, not Backup Stats`, 'set Device Type to Backup Stats');
  const ref = entry.agreement;
  if (!ref) {
    problem(
      'no default agreement (the sync bills nothing for this company)',
      'pick the default Agreement the backup usage is billed on',
    );
    return { problems, fixes };
  }
  const agreement = agreementById.get(ref.id);
  if (!agreement) {
    problem(`default agreement #${ref.id} does not exist`, 'pick an existing default Agreement');
    return { problems, fixes };
  }
  if (agreement.company?.id !== undefined && agreement.company.id !== company.id) {
    problem(
      `default agreement "${agreement.name}" belongs to another company (${agreement.company.identifier ?? agreement.company.id})`,
      `pick an agreement of ${company.identifier}`,
    );
  }
  if (agreement.agreementStatus && agreement.agreementStatus !== 'Active') {
    problem(
      `default agreement "${agreement.name}" is ${agreement.agreementStatus}, not Active`,
      'pick an Active agreement (or reactivate it under Finance > Agreements)',
    );
  }
  if (!agreement.type)
    problem(
      `default agreement "${agreement.name}" has no agreement type`,
      'set the agreement type under Finance > Agreements',
    );
  return { problems, fixes, ...(agreement.type ? { agreementType: agreement.type } : {}) };
}
