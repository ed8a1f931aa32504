import type { Logger } from 'pino';
import { ConnectWiseSetupError } from '../errors.js';
import { ConnectWiseGateway } from '../connectwise/gateway.js';
import { ConnectWiseClient } from '../connectwise/http-client.js';
import type { PublisherDeps } from '../publisher/ports.js';
import type { ManagementTabWriter } from './onboarding.js';

/**
 * The Management tab entry an accepted `create` suggestion needs (contract v3 "Accepting"): Managed ID,
 * the account's Management IT solution, device type BackupStats. A POST that creates a record is not
 * retried after an ambiguous failure (the client's rule), so no second entry can come of it.
 */
export function managementTabWriter(deps: Pick<PublisherDeps, 'secrets'>, logger: Logger): ManagementTabWriter {
  return async (account, entry) => {
    const client = await ConnectWiseClient.connect(await deps.secrets.load(account.secretId), {
      logger,
      requestsPerMinute: account.requestsPerMinute,
    });
    const solutions = await new ConnectWiseGateway(client).findManagementItSolutions(account.managementItName);
    if (solutions.length !== 1)
      throw new ConnectWiseSetupError(
        `the Management IT solution "${account.managementItName}" ${solutions.length ? 'is ambiguous' : 'does not exist'} in ConnectWise`,
      );
    await client.request('POST', `company/companies/${entry.companyId}/managementSummaryReports`, {
      json: {
        groupIdentifier: entry.groupIdentifier,
        managementSolution: { id: solutions[0]!.id },
        deviceType: 'BackupStats',
      },
      idempotent: false,
    });
  };
}
