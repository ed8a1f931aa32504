import * as z from 'zod';
import { CLIENT_STATUS_NAMES, type ClientStatus } from '../contract.js';
import { carriedRequestSchema, RUN_OPTIONS } from '../records/run-options.js';
import { accountIdSchema } from '../input/schemas.js';

/**
 * The protocol between the state machine (infra/publish-workflow.ts, infra/fan-out.ts) and the
 * function (functions/publish/handler.ts, lib/input/lambda-tasks.ts), in one place: the task names, each
 * task's payload and answer, and which of the answer's fields the state machine keeps per account.
 * Both sides import it, so a task or a count is renamed in one place.
 */
export const TASKS = {
  /** The schedule's payload: the function starts the state machine for the month itself. */
  startScheduled: 'startScheduled',
  /** Fix the run: its id, its period, its accounts. */
  plan: 'plan',
  /** One invocation's share of one account. */
  publishAccount: 'publishAccount',
  /** The function's last word on an account that failed for good. */
  finishAccount: 'finishAccount',
} as const;
export type TaskName = (typeof TASKS)[keyof typeof TASKS];
export const TASK_NAMES = Object.values(TASKS) as TaskName[];

/** The run options that travel with an account run across invocations: declared once, in lib/records/run-options.ts. */
export const runRequestSchema = carriedRequestSchema;

/** `publishAccount`'s payload; the answer's `next` is the whole payload of the next invocation. */
export const publishAccountTaskSchema = z
  .object({
    task: z.literal(TASKS.publishAccount),
    runId: z.string().min(1),
    period: RUN_OPTIONS.period.schema,
    request: runRequestSchema,
    accountId: accountIdSchema,
    invocation: z.number().int().min(1),
    startedAt: z.string().optional(),
  })
  .strict();

/** `finishAccount`'s payload: the account's step, with the error the state machine caught. */
export const finishAccountTaskSchema = publishAccountTaskSchema
  .omit({ task: true })
  .extend({ task: z.literal(TASKS.finishAccount), error: z.string(), cause: z.string().optional() })
  .strict();

/** `startScheduled`'s payload (the schedule's time is checked like a typed period by the function). */
export const startScheduledTaskSchema = z.object({ task: z.literal(TASKS.startScheduled), scheduledTime: z.unknown() });

/** `plan`'s payload: the execution's input (a Republish Requested event, a direct payload, `{ scheduledTime }`). */
export const planTaskSchema = z.object({ task: z.literal(TASKS.plan), input: z.unknown().optional() });

/**
 * The per-status counts the state machine keeps for each account in its output: every row of the
 * status table (lib/contract.ts), so a new status is counted without touching the workflow.
 */
export const ACCOUNT_COUNT_FIELDS: readonly ClientStatus[] = CLIENT_STATUS_NAMES;

const counts = Object.fromEntries(CLIENT_STATUS_NAMES.map((s) => [s, z.number().int().min(0)])) as Record<
  ClientStatus,
  z.ZodNumber
>;

/** `publishAccount`'s answer (counts only: the results travel in the Ledger and the event). */
export const publishAccountAnswerSchema = z.object({
  accountId: z.string(),
  ...counts,
  sync: z.enum(['triggered', 'failed', 'not-needed']),
  syncReason: z.string().optional(),
  error: z.string().optional(),
  requests: z.number().int().min(0),
  done: z.boolean(),
  invocation: z.number().int().min(1),
  /** False when this invocation neither recorded an outcome nor read a Management tab; `noProgress` says why. */
  progress: z.boolean(),
  noProgress: z.string().optional(),
  /** Set when invocations stopped making progress for good: the state machine fails the account with it. */
  stalled: z.string().optional(),
  next: publishAccountTaskSchema.optional(),
});

/** `plan`'s answer: the Map's items are `accounts`. */
export const planAnswerSchema = z.object({
  runId: z.string(),
  period: z.string(),
  request: runRequestSchema,
  accounts: z.array(z.object({ accountId: z.string() })),
});

export type PublishAccountTask = z.infer<typeof publishAccountTaskSchema>;
export type FinishAccountTask = z.infer<typeof finishAccountTaskSchema>;
export type PublishAccountAnswer = z.infer<typeof publishAccountAnswerSchema>;
export type PlanAnswer = z.infer<typeof planAnswerSchema>;

/** Invocations one account may take before it is failed: 40 × 15 minutes is ten hours of publishing. */
export const MAX_INVOCATIONS_PER_ACCOUNT = 40;

/** Error names the state machine gives an account it stops itself (the function's finishAccount reports them). */
export const WORKFLOW_ERRORS = {
  invocationLimitReached: 'InvocationLimitReached',
  nextPayloadMissing: 'NextPayloadMissing',
  noProgress: 'NoProgress',
} as const;
