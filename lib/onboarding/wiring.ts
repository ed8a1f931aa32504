import type { Logger } from 'pino';
import { createDocumentClient } from '../aws/dynamo-client.js';
import { DynamoOnboardingStore } from '../aws/onboarding-store.js';
import { SecretsManagerSecrets } from '../aws/secrets.js';
import type { RuntimeConfig } from '../config.js';
import { ConnectWiseGateway } from '../connectwise/gateway.js';
import { ConnectWiseClient } from '../connectwise/http-client.js';
import type { ProgressPort } from '../publisher/ports/index.js';
import { createRepositories, type AwsClients } from '../runtime.js';
import type { AcceptDeps, OnboardingFactory } from './ports.js';

/** ConnectWise connections for onboarding: the account's request budget applies, as for a publish. */
export function onboardingFactory(logger: Logger): OnboardingFactory {
  return async (secret, account) =>
    new ConnectWiseGateway(
      await ConnectWiseClient.connect(secret, { logger, requestsPerMinute: account.requestsPerMinute }),
    );
}

/** The real adapters of `suggestMappings` / `acceptSuggestions` (the CLI and the page wire these). */
export function createOnboardingDeps(
  config: RuntimeConfig,
  clients: AwsClients,
  logger: Logger,
  options: { readonly progress?: ProgressPort; readonly connectWise?: OnboardingFactory } = {},
): AcceptDeps {
  const repositories = createRepositories(config, clients);
  const store = new DynamoOnboardingStore(createDocumentClient(clients.dynamodb), {
    mappings: config.mappingsTable,
    usage: config.usageTable,
  });
  return {
    mappings: repositories.mappings,
    usage: repositories.usage,
    clientNames: store,
    mappingCreator: store,
    secrets: new SecretsManagerSecrets(clients.secrets),
    connectWise: options.connectWise ?? onboardingFactory(logger),
    progress: options.progress,
  };
}
