import type { Logger } from 'pino';
import type { RuntimeConfig } from '../../lib/config.js';
import { parsePublishInput } from '../../lib/publish-input.js';
import type { PublisherDeps, RunSummary } from '../../lib/publisher/ports.js';
import { runPublish } from '../../lib/publisher/run-publish.js';
import { createPublisherDeps, type AwsClients } from '../../lib/runtime.js';

export interface HandlerContext {
  readonly config: RuntimeConfig;
  readonly clients: AwsClients;
  readonly logger: Logger;
  /** Test seams (clock, run ids); production passes none. */
  readonly overrides?: Partial<PublisherDeps>;
}

/** The thin handler: parse the event → run the core → return the summary. Invalid input throws. */
export function createHandler(context: HandlerContext): (event: unknown) => Promise<RunSummary> {
  return async (event) => {
    const run = parsePublishInput(event);
    try {
      return await runPublish(run, createPublisherDeps(context.config, context.clients, context.logger, context.overrides));
    } catch (error) {
      context.logger.error({ err: { name: (error as Error).name, message: (error as Error).message } }, 'publish run failed');
      throw error;
    }
  };
}
