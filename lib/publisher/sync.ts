import type { Logger } from 'pino';
import type { ConnectWisePort } from '../connectwise/gateway.js';
import type { SyncOutcome } from '../contract.js';
import { RunDeadlineError, describeError, serializeError } from '../errors.js';
import { SETUP_LOCATIONS, primaryManagementSetup } from './setup.js';

/**
 * Triggers the Management sync (Sync Now) once: what turns published configurations into agreement
 * additions and cancels those of retired ones. A failure is reported, not thrown — except the run's
 * deadline, which the caller handles (the next invocation syncs).
 */
export async function triggerSync(
  connect: () => Promise<ConnectWisePort>,
  log: Logger,
): Promise<{ sync: SyncOutcome; reason?: string }> {
  try {
    const cw = await connect();
    const setup = primaryManagementSetup(await cw.listManagementSetups());
    if (!setup) {
      return {
        sync: 'failed',
        reason: `no Management record in ConnectWise (${SETUP_LOCATIONS.management}): nothing to sync`,
      };
    }
    const answer = await cw.executeManagedItSync(setup.id);
    if (answer && answer.success === false) {
      return { sync: 'failed', reason: `ConnectWise refused the Management sync: ${answer.message ?? 'no message'}` };
    }
    return { sync: 'triggered' };
  } catch (error) {
    if (error instanceof RunDeadlineError) throw error;
    const reason = describeError(error);
    log.error({ err: serializeError(error) }, 'Management sync failed');
    return { sync: 'failed', reason };
  }
}
