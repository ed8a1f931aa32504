import { applyImport, type ImportStore } from '../../lib/imports/apply-import.js';
import { summarizePlan, type ImportChange } from '../../lib/imports/import-plan.js';
import { StoreError } from '../../lib/errors.js';

interface Item {
  key: string;
  value: number;
}

/** An in-memory table whose putMany fails on the n-th call. */
function fakeStore(
  initial: Item[],
  failOnCall?: number,
  failRollback = false,
): ImportStore<Item> & { rows: Map<string, number> } {
  const rows = new Map(initial.map((i) => [i.key, i.value]));
  let calls = 0;
  return {
    table: 'fake',
    rows,
    async putMany(items) {
      calls++;
      if (calls === failOnCall || (failRollback && failOnCall !== undefined && calls > failOnCall)) {
        // A batch that fails halfway: the first item lands.
        if (items[0]) rows.set(items[0].key, items[0].value);
        throw new Error('ProvisionedThroughputExceededException');
      }
      for (const i of items) rows.set(i.key, i.value);
    },
    async removeMany(items) {
      if (failRollback) throw new Error('RequestLimitExceeded');
      for (const i of items) rows.delete(i.key);
    },
  };
}

function plan(count: number, existing: Map<string, number>) {
  const changes: ImportChange<Item>[] = [];
  for (let n = 0; n < count; n++) {
    const key = `k${n}`;
    const before = existing.get(key);
    const item = { key, value: n + 1000 };
    changes.push({
      row: n + 2,
      key,
      action: before === undefined ? 'new' : 'changed',
      changes: [],
      item,
      ...(before === undefined ? {} : { previous: { key, value: before } }),
    });
  }
  return summarizePlan(changes);
}

describe('Function: applyImport', () => {
  it('writes new and changed items in batches of 25', async () => {
    // Prepare
    const store = fakeStore([]);
    // Act
    const written = await applyImport(plan(60, new Map()), store);
    // Assess
    expect(written).toBe(60);
    expect(store.rows.size).toBe(60);
  });

  it('rolls every written item back when a later batch fails, so the table is as it was', async () => {
    // Prepare: 10 items exist; 60 rows, the 2nd batch fails halfway
    const initial = Array.from({ length: 10 }, (_, n) => ({ key: `k${n}`, value: n }));
    const store = fakeStore(initial, 2);
    const before = new Map(store.rows);
    // Act
    const run = applyImport(plan(60, before), store);
    // Assess
    await expect(run).rejects.toThrow(StoreError);
    await expect(applyImport(plan(60, before), fakeStore(initial, 2))).rejects.toThrow(
      /rolled back, so the table is as it was/,
    );
    expect(store.rows).toEqual(before);
  });

  it('says the table may hold part of the file when the roll-back fails too', async () => {
    const store = fakeStore([], 2, true);
    await expect(applyImport(plan(60, new Map()), store)).rejects.toThrow(
      /rolling them back failed too.*importing the same file again completes it/,
    );
  });
});
