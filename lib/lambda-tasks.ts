import * as z from 'zod';
import { InputValidationError } from './errors.js';
import { parsePublishInput } from './publish-input.js';
import type { AccountStep, PublishRun } from './publisher/run-publish.js';
import { accountIdSchema, parseOrThrow, publishRequestSchema } from './schemas.js';

/**
 * What an invocation asks for. Besides the contract's inputs (a run in this invocation), the state
 * machine sends tasks: `plan` (fix runId, period and accounts), `publishAccount` (one invocation's
 * share of one account) and the schedule's `startScheduled` (start the state machine for its month).
 */
export type LambdaTask =
  | { readonly kind: 'run'; readonly run: PublishRun }
  | { readonly kind: 'plan'; readonly run: PublishRun }
  | { readonly kind: 'publishAccount'; readonly step: AccountStep }
  | { readonly kind: 'finishAccount'; readonly step: AccountStep & { error: string; cause?: string } }
  | { readonly kind: 'startScheduled'; readonly scheduledTime: Date };

const requestSchema = z
  .object({
    clientIds: z.array(z.string().min(1)).min(1).optional(),
    dryRun: z.boolean(),
    allowMassRetire: z.boolean(),
    allowOlderPeriod: z.boolean(),
    rescan: z.boolean(),
    accountNamed: z.boolean(),
  })
  .strict();

const stepSchema = z
  .object({
    task: z.literal('publishAccount'),
    runId: z.string().min(1),
    period: publishRequestSchema.shape.period.unwrap(),
    request: requestSchema,
    accountId: accountIdSchema,
    invocation: z.number().int().min(1),
    ownedActiveAtStart: z.number().int().min(0).optional(),
    startedAt: z.string().optional(),
  })
  .strict();

/** The state machine's last word on an account whose invocation failed for good. */
const finishSchema = stepSchema
  .omit({ task: true })
  .extend({ task: z.literal('finishAccount'), error: z.string(), cause: z.string().optional() })
  .strict();

export function parseLambdaTask(event: unknown): LambdaTask {
  const task =
    typeof event === 'object' && event !== null && !Array.isArray(event)
      ? (event as Record<string, unknown>).task
      : undefined;
  if (task === undefined) return { kind: 'run', run: parsePublishInput(event) };
  const record = event as Record<string, unknown>;
  switch (task) {
    case 'plan':
      return { kind: 'plan', run: parsePublishInput(record.input ?? {}) };
    case 'publishAccount': {
      const { task: _task, ...step } = parseOrThrow(stepSchema, event, 'publishAccount task');
      return { kind: 'publishAccount', step };
    }
    case 'finishAccount': {
      const { task: _task, ...step } = parseOrThrow(finishSchema, event, 'finishAccount task');
      return { kind: 'finishAccount', step };
    }
    case 'startScheduled': {
      const run = parsePublishInput({ scheduledTime: record.scheduledTime });
      return { kind: 'startScheduled', scheduledTime: run.referenceTime! };
    }
    default:
      throw new InputValidationError(
        `unknown task ${JSON.stringify(task)} (expected plan, publishAccount, finishAccount or startScheduled)`,
        { field: 'task' },
      );
  }
}
