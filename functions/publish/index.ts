import { readConfig } from '../../lib/config.js';
import { createLogger } from '../../lib/logger.js';
import { createAwsClients } from '../../lib/runtime.js';
import { createHandler } from './handler.js';

// Cold start: configuration and AWS clients are built once per container.
const config = readConfig();

/** Lambda entry point: scheduled event, "Republish Requested" event or direct invocation → run summary. */
export const handler = createHandler({ config, clients: createAwsClients(), logger: createLogger(config.logLevel) });
