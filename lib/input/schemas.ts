import * as z from 'zod';
import { InputValidationError } from '../errors.js';

/**
 * zod schemas for everything that enters the product: DynamoDB items (hand-edited by ops teams),
 * the ConnectWise secret and the Lambda/CLI publish request. Error messages name the field and the
 * expected type but never echo a value, so a secret cannot leak through a validation message.
 */

/** ConnectWise limits: configuration `deviceIdentifier` and Management tab `groupIdentifier` ≤ 100. */
export const MAX_IDENTIFIER_LENGTH = 100;
/** Names that go into a `conditions` string: how ConnectWise escapes `"`/`\` there is unconfirmed, so refuse them. */
export const conditionSafeName = (max: number) =>
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
export const keySchema = (max?: number) =>
  (max === undefined ? z.string().min(1) : z.string().min(1).max(max))
    .refine((s) => !s.startsWith('#'), { message: 'must not start with #' })
    .refine((s) => s.trim() === s, { message: 'must not start or end with white space' })
    // eslint-disable-next-line no-control-regex -- control characters are what this refuses
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), { message: 'must not contain control characters' });

export const accountIdSchema = keySchema();

const nonEmpty = z.string().trim().min(1);
export const secretSchema = z.object({
  site: nonEmpty,
  companyId: nonEmpty,
  publicKey: nonEmpty,
  privateKey: nonEmpty,
  clientId: nonEmpty,
  codebase: z.string().trim().min(1).optional(),
});

export type { AccountItem } from '../records/account.js';
export type { MappingItem } from '../records/mapping.js';
export type { UsageItem } from '../records/usage.js';
export type ConnectWiseSecret = z.infer<typeof secretSchema>;

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
