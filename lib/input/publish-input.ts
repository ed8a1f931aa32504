import { REPUBLISH_SOURCE } from '../contract.js';
import { InputValidationError } from '../errors.js';
import type { PublishRun } from '../publisher/run-publish.js';
import { parseRunOptions } from '../records/run-options.js';

/**
 * Turns whatever invoked the Lambda into a publish run:
 * - an EventBridge scheduled event (`source` aws.events, `detail-type` Scheduled Event, `time` T):
 *   every enabled account, the month before T;
 * - an EventBridge `Republish Requested` event: its `detail`;
 * - a direct invocation: the payload itself.
 */
export function parsePublishInput(event: unknown): PublishRun {
  if (event === null || event === undefined) return {};
  if (typeof event !== 'object' || Array.isArray(event)) {
    throw new InputValidationError('the invocation payload must be a JSON object', { field: '(payload)' });
  }
  const record = event as Record<string, unknown>;
  const detailType = record['detail-type'];
  if (detailType === undefined) {
    // The monthly schedule's payload: `{ scheduledTime }` fixes the period, whenever the delivery arrives.
    if ('scheduledTime' in record) {
      // Nothing may ride along: a `dryRun` or an `accountId` silently dropped would be a real run of everyone.
      const extra = Object.keys(record).find((k) => k !== 'scheduledTime');
      if (extra !== undefined) {
        throw new InputValidationError(`a scheduled invocation carries only "scheduledTime" (got "${extra}" too)`, {
          field: extra,
        });
      }
      return { referenceTime: parseTime(record.scheduledTime, 'scheduledTime') };
    }
    return parseRunOptions(record, 'invocation', 'invocation payload');
  }

  if (detailType === 'Scheduled Event') {
    if (record.source !== 'aws.events') {
      throw new InputValidationError(
        `a Scheduled Event must come from source aws.events (got ${JSON.stringify(record.source)})`,
        {
          field: 'source',
        },
      );
    }
    return { referenceTime: parseTime(record.time, 'time') };
  }
  if (detailType === 'Republish Requested') {
    // Contract v3: only the ops source may ask (the rule matches it too; this holds for direct deliveries).
    if (record.source !== REPUBLISH_SOURCE) {
      throw new InputValidationError(
        `a Republish Requested event must come from source ${REPUBLISH_SOURCE} (got ${JSON.stringify(record.source)})`,
        { field: 'source' },
      );
    }
    // Contract v3: an event may not lift a guard, nor set what the product computes for itself.
    return parseRunOptions(record.detail ?? {}, 'event', 'Republish Requested detail');
  }
  throw new InputValidationError(`unsupported event detail-type ${JSON.stringify(detailType)}`, {
    field: 'detail-type',
  });
}

function parseTime(value: unknown, field: string): Date {
  const time = typeof value === 'string' ? new Date(value) : undefined;
  if (!time || Number.isNaN(time.getTime())) {
    throw new InputValidationError(`the scheduled invocation has no valid "${field}" (an ISO 8601 time)`, { field });
  }
  return time;
}
