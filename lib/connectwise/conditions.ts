import { InputValidationError } from '../errors.js';

/**
 * Builds ConnectWise `conditions` strings. How ConnectWise escapes `"` or `\` inside a quoted value is
 * unconfirmed, so values containing them are refused rather than guessed at; mapping data (client IDs,
 * Managed IDs) never goes into a condition at all: it is matched in code after a bulk list.
 */
export function quoteConditionValue(value: string, field: string): string {
  if (/["\\]/.test(value)) {
    throw new InputValidationError(`${field} must not contain " or \\ (it is used in a ConnectWise condition)`, {
      field,
    });
  }
  return `"${value}"`;
}

export function equalsCondition(path: string, value: string | number | boolean): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InputValidationError(`${path} must be a finite number`, { field: path });
    return `${path}=${value}`;
  }
  if (typeof value === 'boolean') return `${path}=${value ? 'True' : 'False'}`;
  return `${path}=${quoteConditionValue(value, path)}`;
}

export function andConditions(...parts: string[]): string {
  return parts.filter((p) => p.length > 0).join(' and ');
}
