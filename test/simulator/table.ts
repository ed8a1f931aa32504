/**
 * An in-memory table of records keyed by an auto-incremented numeric id, with optional
 * secondary indexes (e.g. configurations by company id) so that the list endpoints stay
 * cheap when a benchmark drives thousands of records.
 *
 * Rows are kept in a Map whose insertion order equals id order (ids only ever grow), so
 * iterating a table yields records ordered by id without sorting.
 *
 * Indexes are maintained by `insert`, `replace` and `delete`. A test that mutates a record
 * object in place in a way that changes an indexed key (e.g. `rec.company.id = 7`) must
 * call `reindex()` afterwards (or use `replace`).
 */
export interface TableRow {
  id: number;
}

type IndexKeyFn<T> = (row: T) => number | null | undefined;

/** A row without its id (key remapping keeps the known properties beside an index signature). */
export type WithoutId<T> = { [K in keyof T as K extends 'id' ? never : K]: T[K] };

export class Table<T extends TableRow> {
  readonly name: string;
  private readonly rows = new Map<number, T>();
  private nextIdValue: number;
  private readonly indexDefs = new Map<string, IndexKeyFn<T>>();
  private readonly indexes = new Map<string, Map<number, Set<number>>>();

  constructor(name: string, firstId: number) {
    this.name = name;
    this.nextIdValue = firstId;
  }

  /** Declares a secondary index over a numeric key (records whose key is null are not indexed). */
  addIndex(indexName: string, key: IndexKeyFn<T>): void {
    this.indexDefs.set(indexName, key);
    this.indexes.set(indexName, new Map());
    this.reindex();
  }

  get size(): number {
    return this.rows.size;
  }

  /** The id the next insert will get. */
  get nextId(): number {
    return this.nextIdValue;
  }

  get(id: number): T | undefined {
    return this.rows.get(id);
  }

  has(id: number): boolean {
    return this.rows.has(id);
  }

  /** Inserts a record, assigning the next id; returns the stored record. */
  insert(data: WithoutId<T>): T {
    const id = this.nextIdValue++;
    const row = { ...data, id } as T;
    this.rows.set(id, row);
    this.indexAdd(row);
    return row;
  }

  /** Replaces the record with the same id (keeps its position, so id order holds). */
  replace(row: T): T {
    const old = this.rows.get(row.id);
    if (!old) throw new Error(`${this.name}: no record with id ${row.id}`);
    this.indexRemove(old);
    this.rows.set(row.id, row);
    this.indexAdd(row);
    return row;
  }

  delete(id: number): boolean {
    const old = this.rows.get(id);
    if (!old) return false;
    this.indexRemove(old);
    this.rows.delete(id);
    return true;
  }

  clear(): void {
    this.rows.clear();
    for (const map of this.indexes.values()) map.clear();
  }

  /** All records in id order. */
  all(): T[] {
    return [...this.rows.values()];
  }

  values(): IterableIterator<T> {
    return this.rows.values();
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this.rows.values();
  }

  find(predicate: (row: T) => boolean): T | undefined {
    for (const row of this.rows.values()) if (predicate(row)) return row;
    return undefined;
  }

  filter(predicate: (row: T) => boolean): T[] {
    const out: T[] = [];
    for (const row of this.rows.values()) if (predicate(row)) out.push(row);
    return out;
  }

  /** Records whose indexed key equals `key`, in id order. */
  byIndex(indexName: string, key: number): T[] {
    const index = this.indexes.get(indexName);
    if (!index) throw new Error(`${this.name}: no index ${indexName}`);
    const ids = index.get(key);
    if (!ids) return [];
    const out: T[] = [];
    for (const id of [...ids].sort((a, b) => a - b)) {
      const row = this.rows.get(id);
      if (row) out.push(row);
    }
    return out;
  }

  hasIndex(indexName: string): boolean {
    return this.indexes.has(indexName);
  }

  /** Rebuilds every secondary index (after in-place mutation of indexed keys). */
  reindex(): void {
    for (const map of this.indexes.values()) map.clear();
    for (const row of this.rows.values()) this.indexAdd(row);
  }

  private indexAdd(row: T): void {
    for (const [indexName, keyFn] of this.indexDefs) {
      const key = keyFn(row);
      if (key === null || key === undefined) continue;
      const index = this.indexes.get(indexName);
      if (!index) continue;
      let ids = index.get(key);
      if (!ids) {
        ids = new Set();
        index.set(key, ids);
      }
      ids.add(row.id);
    }
  }

  private indexRemove(row: T): void {
    for (const [indexName, keyFn] of this.indexDefs) {
      const key = keyFn(row);
      if (key === null || key === undefined) continue;
      this.indexes.get(indexName)?.get(key)?.delete(row.id);
    }
  }
}
