import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Logger } from 'pino';
import { createDocumentClient } from './aws/dynamo-client.js';
import {
  DynamoAccountsRepository,
  DynamoLedgerRepository,
  DynamoMappingsRepository,
  DynamoUsageRepository,
} from './aws/dynamodb-repositories.js';
import { EventBridgeSink } from './aws/events.js';
import { SecretsManagerSecrets } from './aws/secrets.js';
import type { RuntimeConfig } from './config.js';
import { ConnectWiseGateway } from './connectwise/gateway.js';
import { ConnectWiseClient, type ConnectWiseClientOptions } from './connectwise/http-client.js';
import type { InspectionFactory, PublisherDeps } from './publisher/ports.js';

/** The AWS clients, built once per process (Lambda cold start or CLI start). */
export interface AwsClients {
  readonly dynamodb: DynamoDBClient;
  readonly secrets: SecretsManagerClient;
  readonly events: EventBridgeClient;
}

export function createAwsClients(): AwsClients {
  // No endpoint overrides: the SDK honours AWS_ENDPOINT_URL[_SERVICE] by itself.
  return { dynamodb: new DynamoDBClient({}), secrets: new SecretsManagerClient({}), events: new EventBridgeClient({}) };
}

export interface Repositories {
  readonly accounts: DynamoAccountsRepository;
  readonly mappings: DynamoMappingsRepository;
  readonly usage: DynamoUsageRepository;
  readonly ledger: DynamoLedgerRepository;
}

export function createRepositories(config: RuntimeConfig, clients: AwsClients): Repositories {
  const db = createDocumentClient(clients.dynamodb);
  return {
    accounts: new DynamoAccountsRepository(db, config.accountsTable),
    mappings: new DynamoMappingsRepository(db, config.mappingsTable),
    usage: new DynamoUsageRepository(db, config.usageTable),
    ledger: new DynamoLedgerRepository(db, config.ledgerTable),
  };
}

export function connectWiseFactory(logger: Logger, options: ConnectWiseClientOptions = {}): InspectionFactory {
  return async (secret) => new ConnectWiseGateway(await ConnectWiseClient.connect(secret, { logger, ...options }));
}

/** Real adapters for one run. A fresh secrets cache per run: rotated secrets apply to the next run. */
export function createPublisherDeps(
  config: RuntimeConfig,
  clients: AwsClients,
  logger: Logger,
  overrides: Partial<PublisherDeps> = {},
): PublisherDeps {
  return {
    ...createRepositories(config, clients),
    secrets: new SecretsManagerSecrets(clients.secrets),
    connectWise: connectWiseFactory(logger),
    events: config.eventBusName ? new EventBridgeSink(clients.events, config.eventBusName) : undefined,
    clock: () => new Date(),
    newRunId: () => randomUUID(),
    logger,
    ...overrides,
  };
}
