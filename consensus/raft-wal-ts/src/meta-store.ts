// Reads and atomically replaces the meta file through the Vfs.
import { Buffer } from 'node:buffer';
import { readFully } from './io.ts';
import { META_FILE, META_TEMP_FILE, decodeMeta, encodeMeta, type MetaState } from './format/meta-format.ts';
import type { Vfs } from './vfs.ts';

export async function readMeta(vfs: Vfs, dir: string): Promise<MetaState> {
  const file = await vfs.open(dir, META_FILE);
  try {
    const buf = Buffer.allocUnsafe(await file.size());
    readFully(file, META_FILE, buf, 0);
    return decodeMeta(buf);
  } finally {
    await file.close();
  }
}

/**
 * The commit point of every segment-set change and of the stable store: write a temp file,
 * fdatasync it, rename it over the old meta, fsync the directory. A crash leaves either the
 * old or the new file whole; a leftover temp file is removed on open.
 */
export async function writeMeta(vfs: Vfs, dir: string, state: MetaState): Promise<void> {
  const bytes = encodeMeta(state);
  const file = await vfs.create(dir, META_TEMP_FILE);
  try {
    await file.write(bytes, 0);
    await file.sync();
  } finally {
    await file.close();
  }
  await vfs.rename(dir, META_TEMP_FILE, META_FILE);
  await vfs.syncDir(dir);
}
