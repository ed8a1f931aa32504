import { StoreError, describeError } from '../errors.js';
import type { ImportPlan } from './import-plan.js';
import { NO_PROGRESS, type ProgressPort as Progress } from '../publisher/ports/reporting.js';

/** Where an import writes: batch puts, and deletes to roll back items the import created. */
export interface ImportStore<T> {
  readonly table: string;
  putMany(items: readonly T[]): Promise<void>;
  removeMany(items: readonly T[]): Promise<void>;
}

export const IMPORT_BATCH_SIZE = 25;

/**
 * Writes the new and changed items of a validated plan. A file is applied whole or not at all:
 * when a write fails midway, every item written so far is put back as it was (changed items get
 * their previous value, new ones are deleted) before the error is raised. Only when that roll-back
 * fails too can the table hold part of the file, and the error says so; since imports skip
 * unchanged rows, importing the same file again then completes it.
 */
export async function applyImport<T>(
  plan: ImportPlan<T>,
  store: ImportStore<T>,
  progress: Progress = NO_PROGRESS,
): Promise<number> {
  const toWrite = plan.changes.filter((c) => c.action !== 'unchanged');
  let attempted = 0;
  progress.start(toWrite.length, 'Writing');
  try {
    for (let i = 0; i < toWrite.length; i += IMPORT_BATCH_SIZE) {
      const batch = toWrite.slice(i, i + IMPORT_BATCH_SIZE);
      attempted += batch.length;
      await store.putMany(batch.map((c) => c.item));
      progress.increment(batch.length);
    }
    return toWrite.length;
  } catch (error) {
    progress.stop();
    const touched = toWrite.slice(0, attempted);
    const cause = describeError(error);
    try {
      const restore = touched.flatMap((c) => (c.previous === undefined ? [] : [c.previous]));
      const created = touched.filter((c) => c.action === 'new').map((c) => c.item);
      if (restore.length > 0) await store.putMany(restore);
      if (created.length > 0) await store.removeMany(created);
    } catch (rollbackError) {
      throw new StoreError(
        `the import failed after writing up to ${attempted} of ${toWrite.length} items ` +
          `(${cause}), and rolling them back failed too (${describeError(rollbackError)}): ` +
          'the table may hold part of the file; importing the same file again completes it',
        { table: store.table, cause: error },
      );
    }
    const invalidKept = touched.filter((c) => c.replacesInvalid !== undefined).length;
    throw new StoreError(
      `the import failed (${cause}); the ${touched.length} item(s) written before the failure were rolled back, so the table is as it was` +
        (invalidKept ? ` (except ${invalidKept} formerly invalid item(s), now replaced by the file's rows)` : ''),
      { table: store.table, cause: error },
    );
  } finally {
    progress.stop();
  }
}
