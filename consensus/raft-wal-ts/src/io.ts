// Small IO helpers shared by the readers.
import type { Buffer } from 'node:buffer';
import { WalCorruptionError } from './errors.ts';
import type { VfsFile } from './vfs.ts';

/** Fills `buf` from `position`; a short read means the file is shorter than its metadata says. */
export function readFully(file: VfsFile, name: string, buf: Buffer, position: number): void {
  const n = file.readSync(buf, position);
  if (n !== buf.length) throw new WalCorruptionError(name, position, `short read: ${n} of ${buf.length} bytes`);
}
