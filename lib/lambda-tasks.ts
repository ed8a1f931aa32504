import * as z from 'zod';
import { InputValidationError } from './errors.js';
import { parsePublishInput } from './publish-input.js';
import type { AccountStep, PublishRun } from './publisher/run-publish.js';
import { carriedRequestSchema, RUN_OPTIONS } from './records/run-options.js';
import { accountIdSchema, parseOrThrow } from './schemas.js';

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

const stepSchema = z
  .object({
    task: z.literal('publishAccount'),
    runId: z.string().min(1),
    period: RUN_OPTIONS.period.schema,
    request: carriedRequestSchema,
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
