import type { Logger } from 'pino';
import type { RuntimeConfig } from '../../lib/config.js';
import type { ExecutionStarter } from '../../lib/aws/state-machine.js';
import { scheduledExecutionName } from '../../lib/aws/state-machine.js';
import { serializeError } from '../../lib/errors.js';
import { parseLambdaTask } from '../../lib/input/lambda-tasks.js';
import { previousPeriod } from '../../lib/period.js';
import type { PublisherDeps } from '../../lib/publisher/ports/index.js';
import { finishFailedAccount, planRun, runAccountStep, runPublish } from '../../lib/publisher/run-publish.js';
import { createPublisherDeps, type AwsClients } from '../../lib/runtime.js';
import { TASKS, type PublishAccountAnswer } from '../../lib/workflow/protocol.js';

export interface HandlerContext {
  readonly config: RuntimeConfig;
  readonly clients: AwsClients;
  readonly logger: Logger;
  /** Starts the state machine for the schedule; absent when STATE_MACHINE_ARN is not set. */
  readonly starter?: ExecutionStarter | undefined;
  /** Test seams (clock, run ids); production passes none. */
  readonly overrides?: Partial<PublisherDeps>;
}

/** The part of the Lambda context the handler uses. */
export interface InvocationContext {
  readonly awsRequestId?: string;
  getRemainingTimeInMillis?(): number;
}

/** Time kept back from the invocation's end: the account stops starting clients before this. */
export function deadlineFrom(context: InvocationContext | undefined, now: number): number | undefined {
  const remaining = context?.getRemainingTimeInMillis?.();
  if (remaining === undefined || !Number.isFinite(remaining)) return undefined;
  return now + remaining - Math.min(60_000, Math.floor(remaining * 0.2));
}

/**
 * The thin handler: parse the event → run the core → return its answer. Invalid input throws.
 * - the contract's inputs (scheduled event, Republish Requested, direct payload): the run summary;
 * - state machine tasks: `plan` → the planned run; `publishAccount` → one invocation's account outcome
 *   (counts only: the results travel in the Ledger and the event, not through Step Functions);
 * - `startScheduled` → starts the state machine named for the month.
 */
export function createHandler(
  handlerContext: HandlerContext,
): (event: unknown, context?: InvocationContext) => Promise<unknown> {
  return async (event, context) => {
    const logger = handlerContext.logger.child(context?.awsRequestId ? { awsRequestId: context.awsRequestId } : {});
    const deps = createPublisherDeps(handlerContext.config, handlerContext.clients, logger, handlerContext.overrides);
    const deadlineAt = deadlineFrom(context, deps.clock().getTime());
    try {
      const task = parseLambdaTask(event);
      switch (task.kind) {
        case 'run':
          return await runPublish({ ...task.run, deadlineAt }, deps);
        case TASKS.plan: {
          // Invalid account items are published too: their own invocation reports them (event, run record).
          const { selected: _selected, invalid, ...planned } = await planRun(task.run, deps);
          return {
            ...planned,
            accounts: [
              ...planned.accounts,
              ...invalid.filter((s) => s.accountId !== '').map((s) => ({ accountId: s.accountId })),
            ],
          };
        }
        case TASKS.publishAccount: {
          const outcome = await runAccountStep(task.step, deps, { deadlineAt, continues: true });
          const { results: _results, ...counts } = outcome.summary;
          const answer: PublishAccountAnswer = {
            ...counts,
            done: outcome.done,
            invocation: task.step.invocation,
            progress: outcome.progress?.made !== false,
            ...(outcome.progress?.reason ? { noProgress: outcome.progress.reason } : {}),
            ...(outcome.stalled ? { stalled: outcome.stalled } : {}),
            ...(outcome.next ? { next: { task: TASKS.publishAccount, ...outcome.next } } : {}),
          };
          return answer;
        }
        case TASKS.finishAccount: {
          const { results: _results, ...counts } = await finishFailedAccount(task.step, deps, { deadlineAt });
          return counts;
        }
        case TASKS.startScheduled: {
          if (!handlerContext.starter)
            throw new Error('STATE_MACHINE_ARN is not set: the schedule cannot start the publish state machine');
          const period = previousPeriod(task.scheduledTime).key;
          const started = await handlerContext.starter.start(scheduledExecutionName(period), {
            scheduledTime: task.scheduledTime.toISOString(),
          });
          logger.info(
            { period, started },
            started === 'started' ? 'scheduled run started' : 'scheduled run already started',
          );
          return { period, started };
        }
      }
    } catch (error) {
      logger.error({ err: serializeError(error) }, 'invocation failed');
      throw error;
    }
  };
}
