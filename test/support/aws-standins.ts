import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Loopback stand-ins for the two AWS JSON-protocol services the product calls besides DynamoDB:
 * Secrets Manager (GetSecretValue, CreateSecret, PutSecretValue) and EventBridge (PutEvents).
 * The real AWS SDK talks to them through AWS_ENDPOINT_URL_SECRETS_MANAGER / _EVENTBRIDGE.
 */
export interface RecordedEvent {
  readonly EventBusName?: string;
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
}

export interface AwsStandIns {
  readonly url: string;
  readonly secrets: Map<string, string>;
  readonly events: RecordedEvent[];
  /** Counts GetSecretValue calls per secret id (a run must read each secret once). */
  readonly secretReads: Map<string, number>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startAwsStandIns(): Promise<AwsStandIns> {
  const secrets = new Map<string, string>();
  const events: RecordedEvent[] = [];
  const secretReads = new Map<string, number>();
  const server: Server = createServer(async (req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    let input: Record<string, unknown> = {};
    try {
      input = JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>;
    } catch {
      // fall through with empty input
    }
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(body));
    };
    const notFound = (id: unknown) =>
      reply(400, {
        __type: 'ResourceNotFoundException',
        message: `Secrets Manager can't find the specified secret. (${String(id)})`,
      });
    switch (target) {
      case 'secretsmanager.GetSecretValue': {
        const id = String(input.SecretId);
        secretReads.set(id, (secretReads.get(id) ?? 0) + 1);
        const value = secrets.get(id);
        if (value === undefined) return notFound(id);
        return reply(200, {
          ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${id}`,
          Name: id,
          SecretString: value,
          VersionId: 'v1',
        });
      }
      case 'secretsmanager.CreateSecret':
      case 'secretsmanager.PutSecretValue': {
        const id = String(input.Name ?? input.SecretId);
        secrets.set(id, String(input.SecretString));
        return reply(200, {
          ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${id}`,
          Name: id,
          VersionId: 'v1',
        });
      }
      case 'AWSEvents.PutEvents': {
        const entries = (input.Entries ?? []) as RecordedEvent[];
        events.push(...entries);
        return reply(200, {
          FailedEntryCount: 0,
          Entries: entries.map((_, i) => ({ EventId: `event-${events.length + i}` })),
        });
      }
      default:
        return reply(400, { __type: 'UnknownOperationException', message: `unsupported target ${target}` });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    secrets,
    events,
    secretReads,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
