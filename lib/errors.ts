/**
 * One error hierarchy for the whole product. Every class sets `name`, passes `{ cause }` through and
 * carries a machine-readable `code` that the class itself sets (got's style): a throw site picks a
 * class, never a string, and a `switch` over `ErrorCode` is exhaustive. Messages never contain secret
 * values.
 */

/** Every code an error of this product can carry: one per class (ConnectWise HTTP errors per status). */
export type ErrorCode =
  | 'PUBLISHER_ERROR'
  | 'CONFIGURATION'
  | 'INVALID_INPUT'
  | 'SECRET_INVALID'
  | 'SECRET_UNREADABLE'
  | 'ACCOUNT'
  | 'ACCOUNT_NOT_FOUND'
  | 'ACCOUNT_DISABLED'
  | 'ACCOUNT_INVALID'
  | 'ACCOUNT_AMBIGUOUS'
  | 'NO_ACCOUNT'
  | 'STORE_UNAVAILABLE'
  | 'EVENT_REJECTED'
  | 'CONNECTWISE'
  | `HTTP_${number}`
  | 'NETWORK'
  | 'BAD_RESPONSE'
  | 'CONNECTWISE_SETUP'
  | 'SOLUTION_NOT_FOUND'
  | 'CONFIGURATION_TYPE_NOT_FOUND'
  | 'CONFIGURATION_TYPE_INACTIVE'
  | 'RUN_DEADLINE'
  | 'INCOMPLETE_ACTION'
  | 'RUN_LOCK_LOST';

export class PublisherError extends Error {
  readonly code: ErrorCode = 'PUBLISHER_ERROR';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PublisherError';
  }
}

/** A required environment variable is missing or malformed. */
export class ConfigurationError extends PublisherError {
  override readonly code = 'CONFIGURATION';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'ConfigurationError';
  }
}

/** Input (an event, a CLI flag, a DynamoDB item, a CSV row) failed validation. `field` names what was wrong. */
export class InputValidationError extends PublisherError {
  override readonly code = 'INVALID_INPUT';
  readonly field: string | undefined;
  readonly where: string | undefined;
  constructor(message: string, options: { field?: string; where?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'InputValidationError';
    this.field = options.field;
    this.where = options.where;
  }
}

/** The ConnectWise secret is malformed. Never carries the secret's value. */
export class SecretError extends PublisherError {
  override readonly code: 'SECRET_INVALID' | 'SECRET_UNREADABLE' = 'SECRET_INVALID';
  readonly secretId: string;
  constructor(message: string, options: { secretId: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'SecretError';
    this.secretId = options.secretId;
  }
}

/** The secret does not exist or Secrets Manager would not give it. */
export class SecretUnreadableError extends SecretError {
  override readonly code = 'SECRET_UNREADABLE';
  constructor(message: string, options: { secretId: string; cause?: unknown }) {
    super(message, options);
    this.name = 'SecretUnreadableError';
  }
}

type AccountCode =
  'ACCOUNT' | 'ACCOUNT_NOT_FOUND' | 'ACCOUNT_DISABLED' | 'ACCOUNT_INVALID' | 'ACCOUNT_AMBIGUOUS' | 'NO_ACCOUNT';

/** An account is unknown, disabled, or cannot be selected (the subclasses say which). */
export class AccountError extends PublisherError {
  override readonly code: AccountCode = 'ACCOUNT';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'AccountError';
  }
}

export class AccountNotFoundError extends AccountError {
  override readonly code = 'ACCOUNT_NOT_FOUND';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'AccountNotFoundError';
  }
}

export class AccountDisabledError extends AccountError {
  override readonly code = 'ACCOUNT_DISABLED';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'AccountDisabledError';
  }
}

/** The account item fails validation. */
export class AccountInvalidError extends AccountError {
  override readonly code = 'ACCOUNT_INVALID';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'AccountInvalidError';
  }
}

/** Several accounts and none chosen. */
export class AccountAmbiguousError extends AccountError {
  override readonly code = 'ACCOUNT_AMBIGUOUS';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'AccountAmbiguousError';
  }
}

/** The accounts table is empty. */
export class NoAccountError extends AccountError {
  override readonly code = 'NO_ACCOUNT';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'NoAccountError';
  }
}

/** A DynamoDB (or other AWS store) call failed: the run cannot proceed. */
export class StoreError extends PublisherError {
  override readonly code = 'STORE_UNAVAILABLE';
  readonly table: string;
  constructor(message: string, options: { table: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'StoreError';
    this.table = options.table;
  }
}

/** EventBridge answered, but refused the event. */
export class EventRejectedError extends PublisherError {
  override readonly code = 'EVENT_REJECTED';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'EventRejectedError';
  }
}

/** Anything that went wrong talking to ConnectWise. `method` and `path` never include credentials. */
export class ConnectWiseError extends PublisherError {
  override readonly code: 'CONNECTWISE' | `HTTP_${number}` | 'NETWORK' | 'BAD_RESPONSE' = 'CONNECTWISE';
  readonly method: string;
  readonly path: string;
  constructor(message: string, options: { method: string; path: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'ConnectWiseError';
    this.method = options.method;
    this.path = options.path;
  }
}

/** ConnectWise answered with an HTTP error status. `cwCode` is ConnectWise's own error code (body `code`, or `error` on 429). */
export class ConnectWiseHttpError extends ConnectWiseError {
  override readonly code: `HTTP_${number}`;
  readonly status: number;
  readonly cwCode: string | undefined;
  readonly details: readonly { code?: string; message?: string; field?: string; resource?: string }[];
  constructor(
    message: string,
    options: {
      method: string;
      path: string;
      status: number;
      cwCode?: string;
      details?: readonly { code?: string; message?: string; field?: string; resource?: string }[];
      cause?: unknown;
    },
  ) {
    super(message, { method: options.method, path: options.path, cause: options.cause });
    this.name = 'ConnectWiseHttpError';
    this.code = `HTTP_${options.status}`;
    this.status = options.status;
    this.cwCode = options.cwCode;
    this.details = options.details ?? [];
  }
}

/** No usable answer: timeout, connection refused or dropped. The request may or may not have been processed. */
export class ConnectWiseNetworkError extends ConnectWiseError {
  override readonly code = 'NETWORK';
  readonly networkCode: string;
  constructor(message: string, options: { method: string; path: string; networkCode: string; cause?: unknown }) {
    super(message, { method: options.method, path: options.path, cause: options.cause });
    this.name = 'ConnectWiseNetworkError';
    this.networkCode = options.networkCode;
  }
}

/** ConnectWise answered, but not with what the API promises (bad JSON, wrong shape). */
export class ConnectWiseResponseError extends ConnectWiseError {
  override readonly code = 'BAD_RESPONSE';
  constructor(message: string, options: { method: string; path: string; cause?: unknown }) {
    super(message, options);
    this.name = 'ConnectWiseResponseError';
  }
}

type SetupCode =
  'CONNECTWISE_SETUP' | 'SOLUTION_NOT_FOUND' | 'CONFIGURATION_TYPE_NOT_FOUND' | 'CONFIGURATION_TYPE_INACTIVE';

/** The ConnectWise setup is missing a piece the publish needs (solution, configuration type, Management record). */
export class ConnectWiseSetupError extends PublisherError {
  override readonly code: SetupCode = 'CONNECTWISE_SETUP';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'ConnectWiseSetupError';
  }
}

/** No Management IT solution with the account's `managementItName`. */
export class SolutionNotFoundError extends ConnectWiseSetupError {
  override readonly code = 'SOLUTION_NOT_FOUND';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'SolutionNotFoundError';
  }
}

/** No configuration type with the account's `configurationTypeName`. */
export class ConfigurationTypeNotFoundError extends ConnectWiseSetupError {
  override readonly code = 'CONFIGURATION_TYPE_NOT_FOUND';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'ConfigurationTypeNotFoundError';
  }
}

/** The configuration type exists but is inactive. */
export class ConfigurationTypeInactiveError extends ConnectWiseSetupError {
  override readonly code = 'CONFIGURATION_TYPE_INACTIVE';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'ConfigurationTypeInactiveError';
  }
}

/**
 * The run's time is up (the Lambda invocation's deadline): not a failure of the client or the account.
 * The account stops cleanly and continues in the next invocation.
 */
export class RunDeadlineError extends PublisherError {
  override readonly code = 'RUN_DEADLINE';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'RunDeadlineError';
  }
}

/**
 * A client's writes stopped part-way (e.g. its new configuration was written, retiring the old one
 * failed): carries what was already done, so the ownership of what the product wrote is never lost.
 */
export class IncompleteActionError<T = unknown> extends PublisherError {
  override readonly code = 'INCOMPLETE_ACTION';
  readonly done: readonly T[];
  constructor(message: string, options: { done: readonly T[]; cause: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'IncompleteActionError';
    this.done = options.done;
  }
}

/**
 * The one serialiser for logs: name, message, code and, where they exist, status, path, method, field
 * and cause (recursively, depth-limited). Never request options, headers or bodies.
 */
export function serializeError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const out: Record<string, unknown> = { name: error.name, message: describeError(error) };
  const record = error as unknown as Record<string, unknown>;
  for (const key of ['code', 'status', 'method', 'path', 'field', 'where', 'cwCode', 'networkCode', 'table']) {
    const value = record[key];
    if (typeof value === 'string' || typeof value === 'number') out[key] = value;
  }
  if (error.cause !== undefined && depth < 3 && !(error instanceof ConnectWiseError))
    out.cause = serializeError(error.cause, depth + 1);
  return out;
}

/** A short, secret-free description of any thrown value, for results and logs. */
export function describeError(error: unknown): string {
  if (error instanceof ConnectWiseHttpError) {
    const detail = error.details
      .map((d) => [d.field, d.message].filter(Boolean).join(': '))
      .filter(Boolean)
      .join('; ');
    return `${error.message}${detail ? ` (${detail})` : ''}`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * The run no longer holds its account's lock with time enough for one more request (a pause past its
 * lease, a lost renewal): it stops that account without writing (contract v3).
 */
export class RunLockLostError extends PublisherError {
  override readonly code = 'RUN_LOCK_LOST';
  constructor(message: string) {
    super(message);
    this.name = 'RunLockLostError';
  }
}
