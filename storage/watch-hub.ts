// Wakes blocking queries when the rows they read change. The FSM publishes each applied
// batch's change-feed rows once; every row costs a constant number of map lookups plus one per
// distinct prefix length registered on its table, never a scan of the waiters: with 10 000
// queries blocked on distinct keys, one write wakes exactly the one that reads it.
import type { FeedRow, WatchKey } from './types.ts';

export type WakeReason = 'changed' | 'abandoned';

/** One blocking query's registration. Fires at most once, then unregisters itself. */
export interface Watch {
  /** Resolves when a watched key changed, or with 'abandoned' when the state was replaced. */
  readonly fired: Promise<WakeReason>;
  /** Unregisters (idempotent; a no-op after firing). */
  cancel(): void;
}

type WaiterSet = Set<Waiter>;

interface PrefixTable {
  readonly byPrefix: Map<string, WaiterSet>;
  /** prefix length → number of distinct registered prefixes of that length. */
  readonly lengths: Map<number, number>;
}

class Waiter implements Watch {
  readonly fired: Promise<WakeReason>;
  done = false;
  private resolve!: (why: WakeReason) => void;
  constructor(
    private readonly hub: WatchHub,
    readonly keys: readonly WatchKey[],
  ) {
    this.fired = new Promise((resolve) => (this.resolve = resolve));
  }
  fire(why: WakeReason): void {
    if (this.done) return;
    this.done = true;
    this.hub.unregister(this);
    this.resolve(why);
  }
  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.hub.unregister(this);
  }
}

export class WatchHub {
  private readonly tables = new Map<string, WaiterSet>();
  private readonly keys = new Map<string, Map<string, WaiterSet>>();
  private readonly prefixes = new Map<string, PrefixTable>();
  private live = 0;

  /** Registers a watch on `keys`. Register before running the query so no change slips between. */
  watch(keys: readonly WatchKey[]): Watch {
    const waiter = new Waiter(this, keys);
    for (const k of keys) {
      if ('key' in k) addTo(nested(this.keys, k.table), k.key, waiter);
      else if ('prefix' in k) this.addPrefix(k.table, k.prefix, waiter);
      else addTo(this.tables, k.table, waiter);
    }
    this.live++;
    return waiter;
  }

  /** Wakes every watch matching one of `rows` (one applied batch's change feed). */
  publish(rows: readonly FeedRow[]): void {
    if (this.live === 0 || rows.length === 0) return;
    const woken: Waiter[] = [];
    for (const row of rows) this.collect(row.table, row.key, woken);
    for (const w of woken) w.fire('changed');
  }

  /** Wakes every watch with 'abandoned' (restore replaced the state; indexes may go back). */
  abandon(): void {
    const all = new Set<Waiter>();
    for (const set of this.tables.values()) for (const w of set) all.add(w);
    for (const byKey of this.keys.values()) for (const set of byKey.values()) for (const w of set) all.add(w);
    for (const pt of this.prefixes.values()) for (const set of pt.byPrefix.values()) for (const w of set) all.add(w);
    for (const w of all) w.fire('abandoned');
    if (this.live !== 0) throw new Error(`watch hub: ${this.live} watches left after abandon`);
  }

  /** Number of registered watches (for metrics and tests). */
  size(): number {
    return this.live;
  }

  /** @internal Called by a watch when it fires or is cancelled. */
  unregister(w: Waiter): void {
    for (const k of w.keys) {
      if ('key' in k) removeFrom(this.keys.get(k.table), k.key, w, () => this.keys.delete(k.table));
      else if ('prefix' in k) this.removePrefix(k.table, k.prefix, w);
      else removeFrom(this.tables, k.table, w, () => {});
    }
    this.live--;
  }

  private collect(table: string, key: string, out: Waiter[]): void {
    const whole = this.tables.get(table);
    if (whole !== undefined) for (const w of whole) out.push(w);
    const exact = this.keys.get(table)?.get(key);
    if (exact !== undefined) for (const w of exact) out.push(w);
    const pt = this.prefixes.get(table);
    if (pt === undefined) return;
    for (const len of pt.lengths.keys()) {
      if (len > key.length) continue;
      const set = pt.byPrefix.get(len === key.length ? key : key.slice(0, len));
      if (set !== undefined) for (const w of set) out.push(w);
    }
  }

  private addPrefix(table: string, prefix: string, w: Waiter): void {
    let pt = this.prefixes.get(table);
    if (pt === undefined) {
      pt = { byPrefix: new Map(), lengths: new Map() };
      this.prefixes.set(table, pt);
    }
    let set = pt.byPrefix.get(prefix);
    if (set === undefined) {
      set = new Set();
      pt.byPrefix.set(prefix, set);
      pt.lengths.set(prefix.length, (pt.lengths.get(prefix.length) ?? 0) + 1);
    }
    set.add(w);
  }

  private removePrefix(table: string, prefix: string, w: Waiter): void {
    const pt = this.prefixes.get(table);
    const set = pt?.byPrefix.get(prefix);
    if (pt === undefined || set === undefined || !set.delete(w) || set.size > 0) return;
    pt.byPrefix.delete(prefix);
    const n = (pt.lengths.get(prefix.length) ?? 0) - 1;
    if (n > 0) pt.lengths.set(prefix.length, n);
    else pt.lengths.delete(prefix.length);
    if (pt.byPrefix.size === 0) this.prefixes.delete(table);
  }
}

function nested(map: Map<string, Map<string, WaiterSet>>, table: string): Map<string, WaiterSet> {
  let inner = map.get(table);
  if (inner === undefined) {
    inner = new Map();
    map.set(table, inner);
  }
  return inner;
}

function addTo(map: Map<string, WaiterSet>, key: string, w: Waiter): void {
  let set = map.get(key);
  if (set === undefined) {
    set = new Set();
    map.set(key, set);
  }
  set.add(w);
}

function removeFrom(map: Map<string, WaiterSet> | undefined, key: string, w: Waiter, onEmptyMap: () => void): void {
  const set = map?.get(key);
  if (map === undefined || set === undefined || !set.delete(w) || set.size > 0) return;
  map.delete(key);
  if (map.size === 0) onEmptyMap();
}
