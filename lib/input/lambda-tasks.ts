import { InputValidationError } from '../errors.js';
import { parsePublishInput } from './publish-input.js';
import type { AccountStep, PublishRun } from '../publisher/run-publish.js';
import { parseOrThrow } from './schemas.js';
import { TASKS, TASK_NAMES, finishAccountTaskSchema, publishAccountTaskSchema } from '../workflow/protocol.js';

/**
 * What an invocation asks for. Besides the contract's inputs (a run in this invocation), the state
 * machine sends the tasks of lib/workflow/protocol.ts.
 */
export type LambdaTask =
  | { readonly kind: 'run'; readonly run: PublishRun }
  | { readonly kind: typeof TASKS.plan; readonly run: PublishRun }
  | { readonly kind: typeof TASKS.publishAccount; readonly step: AccountStep }
  | { readonly kind: typeof TASKS.finishAccount; readonly step: AccountStep & { error: string; cause?: string } }
  | { readonly kind: typeof TASKS.startScheduled; readonly scheduledTime: Date };

export function parseLambdaTask(event: unknown): LambdaTask {
  const task =
    typeof event === 'object' && event !== null && !Array.isArray(event)
      ? (event as Record<string, unknown>).task
      : undefined;
  if (task === undefined) return { kind: 'run', run: parsePublishInput(event) };
  const record = event as Record<string, unknown>;
  switch (task) {
    case TASKS.plan:
      return { kind: TASKS.plan, run: parsePublishInput(record.input ?? {}) };
    case TASKS.publishAccount: {
      const { task: _task, ...step } = parseOrThrow(publishAccountTaskSchema, event, `${TASKS.publishAccount} task`);
      return { kind: TASKS.publishAccount, step };
    }
    case TASKS.finishAccount: {
      const { task: _task, ...step } = parseOrThrow(finishAccountTaskSchema, event, `${TASKS.finishAccount} task`);
      return { kind: TASKS.finishAccount, step };
    }
    case TASKS.startScheduled: {
      const run = parsePublishInput({ scheduledTime: record.scheduledTime });
      return { kind: TASKS.startScheduled, scheduledTime: run.referenceTime! };
    }
    default:
      throw new InputValidationError(`unknown task ${JSON.stringify(task)} (expected ${TASK_NAMES.join(', ')})`, {
        field: 'task',
      });
  }
}
