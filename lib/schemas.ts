import * as z from 'zod';
import { InputValidationError } from './errors.js';

/**
 * zod schemas for everything that enters the product: DynamoDB items (hand-edited by ops teams),
 * the ConnectWise secret and the Lambda/CLI publish request. Error messages name the field and the
 * expected type but never echo a value, so a secret cannot leak through a validation message.
 */

/** ConnectWise limits: configuration `deviceIdentifier` and Management tab `groupIdentifier` ≤ 100. */
export const MAX_IDENTIFIER_LENGTH = 100;
/** Names that go into a `conditions` string: how ConnectWise escapes `"`/`\` there is unconfirmed, so refuse them. */
const conditionSafeName = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !/["\\]/.test(s), { message: 'must not contain " or \\' })
    .refine((s) => s.trim() === s, { message: 'must not start or end with white space' });

/**
 * Account ids key the Ledger's own items (`#owned#<accountId>`, `#lock#<accountId>`, ...), so an id may
 * not start with `#`; surrounding white space is always a typo.
 */
const keySchema = (max?: number) =>
  (max === undefined ? z.string().min(1) : z.string().min(1).max(max))
    .refine((s) => !s.startsWith('#'), { message: 'must not start with #' })
    .refine((s) => s.trim() === s, { message: 'must not start or end with white space' })
    // eslint-disable-next-line no-control-regex -- control characters are what this refuses
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), { message: 'must not contain control characters' });

export const accountIdSchema = keySchema();

export const accountItemSchema = z.object({
  accountId: accountIdSchema,
  secretId: z.string().min(1),
  managementItName: conditionSafeName(30),
  enabled: z.boolean().optional(),
  configurationTypeName: conditionSafeName(50).optional(),
  /** Plausibility cap on one client's usage (contract v2). */
  maxBillableSpaceGb: z.number().finite().positive().optional(),
  /** ConnectWise request budget per rolling minute for the account's site (contract v2). */
  requestsPerMinute: z.number().int().min(1).max(100_000).optional(),
});

export const mappingItemSchema = z.object({
  accountId: z.string().min(1),
  // The same rules as the CLI's (lib/ops/item-keys.ts): a hand-edited item is checked like typed input.
  clientId: keySchema(MAX_IDENTIFIER_LENGTH),
  managedId: z.string().min(1).max(MAX_IDENTIFIER_LENGTH),
  clientName: z.string().max(MAX_IDENTIFIER_LENGTH).optional(),
  enabled: z.boolean().optional(),
});

export const usageItemSchema = z.object({
  accountId: z.string().min(1),
  usageKey: z.string().min(1),
  period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'must be YYYY-MM' }),
  clientId: z.string().min(1),
  billableSpaceGb: z.number().finite().nonnegative(),
  clientName: z.string().max(MAX_IDENTIFIER_LENGTH).optional(),
});

const nonEmpty = z.string().trim().min(1);
export const secretSchema = z.object({
  site: nonEmpty,
  companyId: nonEmpty,
  publicKey: nonEmpty,
  privateKey: nonEmpty,
  clientId: nonEmpty,
  codebase: z.string().trim().min(1).optional(),
});

const PERIOD_SHAPE = /^\d{4}-\d{2}$/;
export const publishRequestSchema = z
  .object({
    accountId: z.string().min(1).optional(),
    period: z.string().regex(PERIOD_SHAPE, { message: 'must be YYYY-MM' }).optional(),
    clientIds: z.array(z.string().min(1)).min(1).optional(),
    dryRun: z.boolean().optional(),
    allowMassRetire: z.boolean().optional(),
    allowOlderPeriod: z.boolean().optional(),
    allowOpenPeriod: z.boolean().optional(),
    rescan: z.boolean().optional(),
  })
  .strict();

export type AccountItem = z.infer<typeof accountItemSchema>;
export type MappingItem = z.infer<typeof mappingItemSchema>;
export type UsageItem = z.infer<typeof usageItemSchema>;
export type ConnectWiseSecret = z.infer<typeof secretSchema>;
export type PublishRequest = z.infer<typeof publishRequestSchema>;

/** Describes one zod issue as "field: problem", without the offending value. */
export function describeIssue(issue: z.core.$ZodIssue): { field: string; problem: string } {
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(item)';
  let problem: string;
  switch (issue.code) {
    case 'invalid_type':
      problem =
        issue.input === undefined ? 'is missing' : `must be ${article(issue.expected)} (got ${typeName(issue.input)})`;
      break;
    case 'too_small':
      problem =
        issue.origin === 'string'
          ? Number(issue.minimum) <= 1
            ? 'must not be empty'
            : `must be at least ${issue.minimum} characters`
          : issue.origin === 'array'
            ? 'must not be empty'
            : `must be ≥ ${issue.minimum}`;
      break;
    case 'too_big':
      problem =
        issue.origin === 'string' ? `must be at most ${issue.maximum} characters` : `must be ≤ ${issue.maximum}`;
      break;
    case 'unrecognized_keys':
      return { field: issue.keys.join(', '), problem: 'is not a known field' };
    case 'invalid_format':
      problem = issue.message.startsWith('Invalid') ? 'has the wrong format' : issue.message;
      break;
    default:
      problem = issue.message;
  }
  return { field, problem };
}

function article(expected: string): string {
  const names: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    boolean: 'a boolean',
    array: 'a list',
    object: 'an object',
  };
  return names[expected] ?? expected;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Set) return 'a set';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export interface ValidationProblem {
  readonly field: string;
  readonly problem: string;
}

/** Validates, returning either the data or every problem (field + what is wrong). */
export function validate<T>(
  schema: z.ZodType<T>,
  input: unknown,
): { ok: true; value: T } | { ok: false; problems: ValidationProblem[] } {
  // reportInput lets messages say which type was found; describeIssue never prints the value itself.
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, problems: result.error.issues.map(describeIssue) };
}

export function formatProblems(problems: readonly ValidationProblem[]): string {
  return problems.map((p) => `${p.field} ${p.problem}`).join('; ');
}

/** Validates or throws an InputValidationError naming the first bad field and listing all problems. */
export function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown, where: string): T {
  const result = validate(schema, input);
  if (result.ok) return result.value;
  throw new InputValidationError(`${where}: ${formatProblems(result.problems)}`, {
    field: result.problems[0]?.field,
    where,
  });
}
