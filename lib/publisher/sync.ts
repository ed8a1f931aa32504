import type { Logger } from 'pino';
import type { ConnectWisePort } from './ports/connectwise.js';
import type { SyncOutcome } from '../contract.js';
import { RunDeadlineError, describeError, serializeError } from '../errors.js';
import type { AccountStateRepository } from './ports/index.js';
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

/**
 * The sync, and the owed sync settled when it succeeds (contract v3: a sync is owed from the first
 * change until one succeeds, whichever run triggers it).
 */
export async function triggerOwedSync(
  connect: () => Promise<ConnectWisePort>,
  deps: { readonly accountState: AccountStateRepository; readonly clock: () => Date; readonly logger: Logger },
  accountId: string,
): Promise<{ sync: SyncOutcome; reason?: string }> {
  const startedAt = deps.clock().toISOString();
  const sync = await triggerSync(connect, deps.logger);
  if (sync.sync === 'triggered') {
    await deps.accountState
      .syncDone(accountId, startedAt)
      .catch((error: unknown) =>
        deps.logger.error(
          { err: serializeError(error) },
          'could not record the sync as done (the next run syncs again)',
        ),
      );
  }
  return sync;
}
