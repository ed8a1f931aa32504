import { CreateTableCommand, DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { startAwsStandIns, type AwsStandIns } from './aws-standins.js';

/**
 * A local AWS for tests, `npm start` and benchmarks: dynalite (a real DynamoDB implementation, in
 * memory) plus the Secrets Manager / EventBridge stand-ins. `env` holds exactly the variables the
 * product reads: the contract's table names and the SDK's standard AWS_ENDPOINT_URL_* variables.
 */
export interface LocalAws {
  readonly env: Record<string, string>;
  readonly standIns: AwsStandIns;
  readonly dynamodbEndpoint: string;
  /** Copies `env` into process.env (the AWS SDK reads endpoints from there). */
  apply(): void;
  close(): Promise<void>;
}

export const TABLES = {
  ACCOUNTS_TABLE: 'cwpub-accounts',
  MAPPINGS_TABLE: 'cwpub-mappings',
  USAGE_TABLE: 'cwpub-usage',
  LEDGER_TABLE: 'cwpub-ledger',
} as const;

function table(name: string, pk: string, sk?: string): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: pk, AttributeType: 'S' },
      ...(sk ? [{ AttributeName: sk, AttributeType: 'S' as const }] : []),
    ],
    KeySchema: [
      { AttributeName: pk, KeyType: 'HASH' },
      ...(sk ? [{ AttributeName: sk, KeyType: 'RANGE' as const }] : []),
    ],
  };
}

export async function startLocalAws(options: { eventBus?: string | undefined } = {}): Promise<LocalAws> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const dynamodbEndpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const standIns = await startAwsStandIns();
  const env: Record<string, string> = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: standIns.url,
    AWS_ENDPOINT_URL_EVENTBRIDGE: standIns.url,
    ...TABLES,
    ...(options.eventBus ? { EVENT_BUS_NAME: options.eventBus } : {}),
  };
  const client = new DynamoDBClient({
    endpoint: dynamodbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await Promise.all([
    client.send(new CreateTableCommand(table(TABLES.ACCOUNTS_TABLE, 'accountId'))),
    client.send(new CreateTableCommand(table(TABLES.MAPPINGS_TABLE, 'accountId', 'clientId'))),
    client.send(new CreateTableCommand(table(TABLES.USAGE_TABLE, 'accountId', 'usageKey'))),
    client.send(new CreateTableCommand(table(TABLES.LEDGER_TABLE, 'runKey', 'clientId'))),
  ]);
  client.destroy();
  return {
    env,
    standIns,
    dynamodbEndpoint,
    apply: () => Object.assign(process.env, env),
    close: async () => {
      await standIns.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
