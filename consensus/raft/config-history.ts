// The configurations a node knows of, by the index of the entry that introduced them. A
// configuration takes effect when appended, so the latest one may be uncommitted and may be
// rolled back when a conflicting append truncates the log; the committed one is the newest at
// or below the commit index. The first record is the base (from the snapshot), which is always
// committed. Bounded by the number of configuration entries above the last snapshot.

import { assert } from './assert.ts';
import type { Configuration, Index } from './types.ts';

export interface IndexedConfiguration {
  readonly index: Index;
  readonly configuration: Configuration;
}

export class ConfigHistory {
  private records: IndexedConfiguration[];

  constructor(base: IndexedConfiguration) {
    this.records = [base];
  }

  latest(): IndexedConfiguration {
    return this.records[this.records.length - 1]!;
  }

  /** The configuration in force at log position i (the newest introduced at or below i). */
  at(i: Index): IndexedConfiguration {
    for (let k = this.records.length - 1; k > 0; k--) {
      const rec = this.records[k]!;
      if (rec.index <= i) return rec;
    }
    return this.records[0]!;
  }

  append(index: Index, configuration: Configuration): void {
    assert(index > this.latest().index, `configuration at ${index} not after ${this.latest().index}`);
    this.records.push({ index, configuration });
  }

  /** Forgets configurations introduced at or after `from` (their entries were truncated). */
  truncateFrom(from: Index): boolean {
    const before = this.records.length;
    while (this.records.length > 1 && this.latest().index >= from) this.records.pop();
    assert(this.records[0]!.index < from, `truncation at ${from} would drop the base configuration`);
    return this.records.length !== before;
  }

  /** A snapshot now covers `upTo`: the configuration in force there becomes the base. */
  compact(upTo: Index): void {
    const base = this.at(upTo);
    this.records = [base, ...this.records.filter((r) => r.index > upTo)];
  }

  /** Restarts from a snapshot's configuration (the log was replaced). */
  reset(base: IndexedConfiguration): void {
    this.records = [base];
  }
}
