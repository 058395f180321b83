/**
 * A read-through cache of counters the adapter alone writes (its file is exclusively locked),
 * so hot paths skip a MAX() query. Sound only with this discipline:
 * - `begin()` before a transaction; every entry read or written until `commit()`/`rollback()`
 *   is remembered;
 * - `rollback()` after a failed transaction drops those entries, so they reload from the
 *   database as it really is: a failed commit never leaves a gap or a repeat.
 * Absent values (`load` returning undefined) are not cached, so probing unknown keys costs no
 * memory. Past `capacity` entries, `commit()` empties the cache; entries simply reload.
 */
export class TxCache<V> {
  private readonly entries = new Map<string, V>();
  private readonly touched = new Set<string>();
  private inTx = false;

  constructor(
    private readonly load: (key: string) => V | undefined,
    private readonly capacity = 100_000,
  ) {}

  get(key: string): V | undefined {
    if (this.inTx) this.touched.add(key);
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const loaded = this.load(key);
    if (loaded !== undefined) this.entries.set(key, loaded);
    return loaded;
  }

  set(key: string, value: V): void {
    if (this.inTx) this.touched.add(key);
    this.entries.set(key, value);
  }

  /** Drops one entry now (e.g. after a write that bypassed the cache). */
  forget(key: string): void {
    this.entries.delete(key);
  }

  begin(): void {
    this.touched.clear();
    this.inTx = true;
  }

  commit(): void {
    this.touched.clear();
    this.inTx = false;
    if (this.entries.size > this.capacity) this.entries.clear();
  }

  rollback(): void {
    for (const key of this.touched) this.entries.delete(key);
    this.touched.clear();
    this.inTx = false;
  }
}
