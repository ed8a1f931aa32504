import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Logger } from 'pino';
import { RUN_LOCK_LEASE_MS } from './contract.js';
import { createDocumentClient } from './aws/dynamo-client.js';
import {
  DynamoAccountsRepository,
  DynamoMappingsRepository,
  DynamoUsageRepository,
} from './aws/dynamodb-repositories.js';
import { EventBridgeSink } from './aws/events.js';
import { DynamoLedgerRepository } from './aws/ledger-repository.js';
import {
  DynamoAccountStateRepository,
  DynamoOwnershipRepository,
  DynamoResolutionCache,
  DynamoRunLock,
} from './aws/ownership-repository.js';
import { DynamoLookupJournal } from './aws/lookup-journal.js';
import { SecretsManagerSecrets } from './aws/secrets.js';
import type { RuntimeConfig } from './config.js';
import { ConnectWiseGateway } from './connectwise/gateway.js';
import { ConnectWiseClient, type ConnectWiseClientOptions } from './connectwise/http-client.js';
import type { InspectionFactory, PublisherDeps } from './publisher/ports/index.js';

/** The AWS clients, built once per process (Lambda cold start or CLI start). */
export interface AwsClients {
  readonly dynamodb: DynamoDBClient;
  readonly secrets: SecretsManagerClient;
  readonly events: EventBridgeClient;
}

export interface AwsClientOptions {
  /** Overrides AWS_REGION (CLI `--region`). */
  readonly region?: string | undefined;
  /** A shared-config profile (CLI `--profile`; AWS_PROFILE works without it). */
  readonly profile?: string | undefined;
}

export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  // No endpoint overrides: the SDK honours AWS_ENDPOINT_URL[_SERVICE] by itself.
  const config = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
  };
  return {
    dynamodb: new DynamoDBClient(config),
    secrets: new SecretsManagerClient(config),
    events: new EventBridgeClient(config),
  };
}

export interface Repositories {
  readonly accounts: DynamoAccountsRepository;
  readonly mappings: DynamoMappingsRepository;
  readonly usage: DynamoUsageRepository;
  readonly ledger: DynamoLedgerRepository;
  readonly ownership: DynamoOwnershipRepository;
  readonly accountState: DynamoAccountStateRepository;
  readonly resolutionCache: DynamoResolutionCache;
  readonly runLock: DynamoRunLock;
  readonly runJournal: (accountId: string, runId: string) => DynamoLookupJournal;
}

export function createRepositories(
  config: RuntimeConfig,
  clients: AwsClients,
  clock: () => Date = () => new Date(),
): Repositories {
  const db = createDocumentClient(clients.dynamodb);
  return {
    accounts: new DynamoAccountsRepository(db, config.accountsTable),
    mappings: new DynamoMappingsRepository(db, config.mappingsTable),
    usage: new DynamoUsageRepository(db, config.usageTable),
    ledger: new DynamoLedgerRepository(db, config.ledgerTable),
    ownership: new DynamoOwnershipRepository(db, config.ledgerTable),
    accountState: new DynamoAccountStateRepository(db, config.ledgerTable),
    resolutionCache: new DynamoResolutionCache(db, config.ledgerTable),
    runLock: new DynamoRunLock(db, config.ledgerTable, RUN_LOCK_LEASE_MS, clock),
    runJournal: (accountId, runId) => new DynamoLookupJournal(db, config.ledgerTable, accountId, runId, clock),
  };
}

/** ConnectWise connections per account: the account's request budget and the run's deadline apply. */
export function connectWiseFactory(logger: Logger, options: ConnectWiseClientOptions = {}): InspectionFactory {
  return async (secret, account, connection) =>
    new ConnectWiseGateway(
      await ConnectWiseClient.connect(secret, {
        logger,
        requestsPerMinute: account.requestsPerMinute,
        ...(connection?.deadlineAt === undefined ? {} : { deadlineAt: connection.deadlineAt }),
        ...options,
      }),
    );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Real adapters for one run. A fresh secrets cache per run: rotated secrets apply to the next run. */
export function createPublisherDeps(
  config: RuntimeConfig,
  clients: AwsClients,
  logger: Logger,
  overrides: Partial<PublisherDeps> = {},
): PublisherDeps {
  const clock = overrides.clock ?? (() => new Date());
  return {
    ...createRepositories(config, clients, clock),
    secrets: new SecretsManagerSecrets(clients.secrets),
    connectWise: connectWiseFactory(logger),
    events: config.eventBusName ? new EventBridgeSink(clients.events, config.eventBusName) : undefined,
    clock,
    sleep,
    newRunId: () => randomUUID(),
    logger,
    ...overrides,
  };
}
