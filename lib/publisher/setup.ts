import type { ConnectWisePort } from './ports/connectwise.js';
import type { ConfigurationType, ManagementItSolution, ManagementSetup } from '../connectwise/types.js';
import { ConfigurationTypeInactiveError, ConfigurationTypeNotFoundError, SolutionNotFoundError } from '../errors.js';

/** Where each piece of the ConnectWise setup lives, for messages that say where to fix it. */
export const SETUP_LOCATIONS = {
  solution: 'System > Setup Tables > Management IT',
  configurationType: 'System > Setup Tables > Configuration Types',
  management: 'System > Setup Tables > Management',
} as const;

/** What an account's publish needs to find in ConnectWise before touching any client. */
export interface AccountSetup {
  readonly solution: ManagementItSolution;
  readonly type: ConfigurationType;
}

/**
 * The one look-up of the Management IT solution and the configuration type, used by publish, doctor
 * and verify. ConnectWise compares condition strings case-insensitively; the contract's match is
 * exact, so the candidates are filtered here.
 */
export async function findSetupCandidates(
  connectWise: Pick<ConnectWisePort, 'findManagementItSolutions' | 'findConfigurationTypes'>,
  names: { readonly managementItName: string; readonly configurationTypeName: string },
): Promise<{
  solution?: ManagementItSolution;
  type?: ConfigurationType;
  solutions: ManagementItSolution[];
  types: ConfigurationType[];
}> {
  const [solutions, types] = await Promise.all([
    connectWise.findManagementItSolutions(names.managementItName),
    connectWise.findConfigurationTypes(names.configurationTypeName),
  ]);
  const solution = solutions.find((s) => s.name === names.managementItName);
  const type = types.find((t) => t.name === names.configurationTypeName);
  return { solutions, types, ...(solution ? { solution } : {}), ...(type ? { type } : {}) };
}

/** The setup, or a ConnectWiseSetupError that names the missing piece and where to fix it. */
export async function loadAccountSetup(
  connectWise: Pick<ConnectWisePort, 'findManagementItSolutions' | 'findConfigurationTypes'>,
  names: { readonly managementItName: string; readonly configurationTypeName: string },
): Promise<AccountSetup> {
  const { solution, type } = await findSetupCandidates(connectWise, names);
  if (!solution) {
    throw new SolutionNotFoundError(
      `Management IT solution "${names.managementItName}" not found in ConnectWise (${SETUP_LOCATIONS.solution})`,
    );
  }
  if (!type) {
    throw new ConfigurationTypeNotFoundError(
      `configuration type "${names.configurationTypeName}" not found in ConnectWise (${SETUP_LOCATIONS.configurationType})`,
    );
  }
  if (type.inactiveFlag === true) {
    throw new ConfigurationTypeInactiveError(
      `configuration type "${names.configurationTypeName}" is inactive in ConnectWise (${SETUP_LOCATIONS.configurationType}): activate it`,
    );
  }
  return { solution, type };
}

/** The Management record the sync runs on (the lowest id when there are several), or undefined. */
export function primaryManagementSetup(setups: readonly ManagementSetup[]): ManagementSetup | undefined {
  return [...setups].sort((a, b) => a.id - b.id)[0];
}
