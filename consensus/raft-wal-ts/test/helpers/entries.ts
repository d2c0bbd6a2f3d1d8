// Deterministic test entries: the data of an entry is derived from (index, term, salt), so
// any byte that did not come from the right append is detected.
import { expect } from 'vitest';
import type { LogEntry } from '../../src/types.ts';

export function entry(index: number, term = 1, size = 40, salt = 0): LogEntry {
  const data = new Uint8Array(size);
  let x = (index * 2654435761 + term * 40503 + salt * 97 + 1) >>> 0;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    data[i] = x >>> 24;
  }
  return { index, term, type: (index + salt) % 3, data };
}

export function entries(from: number, count: number, term = 1, size = 40, salt = 0): LogEntry[] {
  return Array.from({ length: count }, (_, i) => entry(from + i, term, size, salt));
}

export function expectSameEntry(got: LogEntry | undefined, want: LogEntry): void {
  expect(got, `entry ${want.index}`).toBeDefined();
  expect({ index: got!.index, term: got!.term, type: got!.type }).toEqual({ index: want.index, term: want.term, type: want.type });
  expect(Buffer.from(got!.data).equals(Buffer.from(want.data)), `data of entry ${want.index}`).toBe(true);
}
