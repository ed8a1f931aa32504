import { Tracer } from '@aws-lambda-powertools/tracer';
import type { AwsClients } from '../runtime.js';

/**
 * X-Ray for the Lambda (the function has active tracing): one Powertools Tracer, and every AWS SDK
 * client instrumented, so a trace shows the DynamoDB, Secrets Manager, EventBridge and Step Functions
 * calls of an invocation. Outside Lambda (CLI, tests) Powertools disables itself.
 */
export const tracer = new Tracer({ serviceName: 'connectwise-usage-publisher' });

export function traceClients<T extends object>(clients: T): T {
  for (const client of Object.values(clients)) tracer.captureAWSv3Client(client as never);
  return clients;
}

export type { AwsClients };
