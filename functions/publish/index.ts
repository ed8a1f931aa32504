import { SFNClient } from '@aws-sdk/client-sfn';
import { StepFunctionsStarter } from '../../lib/aws/state-machine.js';
import { traceClients } from '../../lib/aws/tracing.js';
import { readConfig } from '../../lib/config.js';
import { ENVIRONMENT } from '../../lib/contract.js';
import { createLogger } from '../../lib/logger.js';
import { createAwsClients } from '../../lib/runtime.js';
import { createHandler } from './handler.js';

// Cold start: configuration and AWS clients are built once per container, and traced (X-Ray).
const config = readConfig();
const stateMachineArn = process.env[ENVIRONMENT.stateMachineArn]?.trim();
const { sfn, ...clients } = traceClients({ ...createAwsClients(), sfn: new SFNClient({}) });

/** Lambda entry point: the contract's inputs, the state machine's tasks and the schedule's start. */
export const handler = createHandler({
  config,
  clients,
  logger: createLogger(config.logLevel),
  starter: stateMachineArn ? new StepFunctionsStarter(sfn, stateMachineArn) : undefined,
});
