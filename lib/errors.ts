/**
 * One error hierarchy for the whole product. Every class sets `name`, carries a machine-readable
 * `code` and passes `{ cause }` through. Messages never contain secret values.
 */
export class PublisherError extends Error {
  readonly code: string;
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PublisherError';
    this.code = options.code ?? 'PUBLISHER_ERROR';
  }
}

/** A required environment variable is missing or malformed. */
export class ConfigurationError extends PublisherError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'CONFIGURATION', ...options });
    this.name = 'ConfigurationError';
  }
}

/** Input (an event, a CLI flag, a DynamoDB item, a CSV row) failed validation. `field` names what was wrong. */
export class InputValidationError extends PublisherError {
  readonly field: string | undefined;
  readonly where: string | undefined;
  constructor(message: string, options: { field?: string; where?: string; cause?: unknown } = {}) {
    super(message, { code: 'INVALID_INPUT', cause: options.cause });
    this.name = 'InputValidationError';
    this.field = options.field;
    this.where = options.where;
  }
}

/** The ConnectWise secret is missing, unreadable or malformed. Never carries the secret's value. */
export class SecretError extends PublisherError {
  readonly secretId: string;
  constructor(message: string, options: { secretId: string; code?: string; cause?: unknown }) {
    super(message, { code: options.code ?? 'SECRET_INVALID', cause: options.cause });
    this.name = 'SecretError';
    this.secretId = options.secretId;
  }
}

/** An account is unknown, disabled, or cannot be selected. */
export class AccountError extends PublisherError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: options.code ?? 'ACCOUNT', cause: options.cause });
    this.name = 'AccountError';
  }
}

/** A DynamoDB (or other AWS store) call failed: the run cannot proceed. */
export class StoreError extends PublisherError {
  readonly table: string;
  constructor(message: string, options: { table: string; cause?: unknown }) {
    super(message, { code: 'STORE_UNAVAILABLE', cause: options.cause });
    this.name = 'StoreError';
    this.table = options.table;
  }
}

/** Anything that went wrong talking to ConnectWise. `method` and `path` never include credentials. */
export class ConnectWiseError extends PublisherError {
  readonly method: string;
  readonly path: string;
  constructor(message: string, options: { method: string; path: string; code?: string; cause?: unknown }) {
    super(message, { code: options.code ?? 'CONNECTWISE', cause: options.cause });
    this.name = 'ConnectWiseError';
    this.method = options.method;
    this.path = options.path;
  }
}

/** ConnectWise answered with an HTTP error status. `cwCode` is ConnectWise's own error code (body `code`, or `error` on 429). */
export class ConnectWiseHttpError extends ConnectWiseError {
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
    super(message, {
      method: options.method,
      path: options.path,
      code: `HTTP_${options.status}`,
      cause: options.cause,
    });
    this.name = 'ConnectWiseHttpError';
    this.status = options.status;
    this.cwCode = options.cwCode;
    this.details = options.details ?? [];
  }
}

/** No usable answer: timeout, connection refused or dropped. The request may or may not have been processed. */
export class ConnectWiseNetworkError extends ConnectWiseError {
  readonly networkCode: string;
  constructor(message: string, options: { method: string; path: string; networkCode: string; cause?: unknown }) {
    super(message, { method: options.method, path: options.path, code: 'NETWORK', cause: options.cause });
    this.name = 'ConnectWiseNetworkError';
    this.networkCode = options.networkCode;
  }
}

/** ConnectWise answered, but not with what the API promises (bad JSON, wrong shape). */
export class ConnectWiseResponseError extends ConnectWiseError {
  constructor(message: string, options: { method: string; path: string; cause?: unknown }) {
    super(message, { ...options, code: 'BAD_RESPONSE' });
    this.name = 'ConnectWiseResponseError';
  }
}

/** The ConnectWise setup is missing a piece the publish needs (solution, configuration type, Management record). */
export class ConnectWiseSetupError extends PublisherError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: options.code ?? 'CONNECTWISE_SETUP', cause: options.cause });
    this.name = 'ConnectWiseSetupError';
  }
}

/** Another run holds the account (contract v2: one run per account at a time). */
export class AccountBusyError extends PublisherError {
  readonly heldBy: string;
  constructor(message: string, options: { heldBy: string; cause?: unknown }) {
    super(message, { code: 'ACCOUNT_BUSY', cause: options.cause });
    this.name = 'AccountBusyError';
    this.heldBy = options.heldBy;
  }
}

/**
 * The run's time is up (the Lambda invocation's deadline): not a failure of the client or the account.
 * The account stops cleanly and continues in the next invocation.
 */
export class RunDeadlineError extends PublisherError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'RUN_DEADLINE', cause: options.cause });
    this.name = 'RunDeadlineError';
  }
}

/**
 * A client's writes stopped part-way (e.g. its new configuration was written, retiring the old one
 * failed): carries what was already done, so the ownership of what the product wrote is never lost.
 */
export class IncompleteActionError<T = unknown> extends PublisherError {
  readonly done: readonly T[];
  constructor(message: string, options: { done: readonly T[]; cause: unknown }) {
    super(message, { code: 'INCOMPLETE_ACTION', cause: options.cause });
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
  for (const key of [
    'code',
    'status',
    'method',
    'path',
    'field',
    'where',
    'cwCode',
    'networkCode',
    'table',
    'heldBy',
  ]) {
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
  constructor(message: string) {
    super(message, { code: 'RUN_LOCK_LOST' });
    this.name = 'RunLockLostError';
  }
}
