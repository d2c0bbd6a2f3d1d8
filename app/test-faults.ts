// Disk faults for tests of real server processes, where a test cannot reach into the process
// to inject them. Enabled only by the CAIRN_TEST_DISK_FAULTS environment variable, which no
// deployment sets; without it the server uses the real file system unchanged.
//
// The variable is JSON naming trigger files the test creates and removes while the server
// runs: while `enospc` exists, every WAL and snapshot write fails with ENOSPC (and the disk
// reports no free space); while `fsyncEio` exists, every fsync fails with EIO.
import { existsSync } from 'node:fs';
import type { Vfs, VfsFile } from 'raft-wal-ts';

export const DISK_FAULTS_ENV = 'CAIRN_TEST_DISK_FAULTS';

export interface DiskFaults {
  readonly enospc?: string;
  readonly fsyncEio?: string;
}

/** The faults named by the environment, or undefined (always, outside tests). */
export function diskFaultsFromEnv(env: Readonly<Record<string, string | undefined>>): DiskFaults | undefined {
  const raw = env[DISK_FAULTS_ENV];
  if (raw === undefined || raw === '') return undefined;
  const parsed = JSON.parse(raw) as DiskFaults;
  return { ...(typeof parsed.enospc === 'string' ? { enospc: parsed.enospc } : {}), ...(typeof parsed.fsyncEio === 'string' ? { fsyncEio: parsed.fsyncEio } : {}) };
}

/** Whether the disk counts as full now. */
export function diskFull(faults: DiskFaults): boolean {
  return faults.enospc !== undefined && existsSync(faults.enospc);
}

function systemError(code: 'ENOSPC' | 'EIO', syscall: string): Error {
  const text = code === 'ENOSPC' ? 'no space left on device' : 'i/o error';
  return Object.assign(new Error(`${code}: ${text}, ${syscall}`), { code, syscall });
}

export function faultyVfs(vfs: Vfs, faults: DiskFaults): Vfs {
  const failSync = (): boolean => faults.fsyncEio !== undefined && existsSync(faults.fsyncEio);
  const wrap = (file: VfsFile): VfsFile => ({
    size: () => file.size(),
    readSync: (buf, position) => file.readSync(buf, position),
    write: async (buf, position) => {
      if (diskFull(faults)) throw systemError('ENOSPC', 'write');
      return file.write(buf, position);
    },
    sync: async () => {
      if (failSync()) throw systemError('EIO', 'fdatasync');
      return file.sync();
    },
    truncate: async (size) => {
      if (diskFull(faults) && size > (await file.size())) throw systemError('ENOSPC', 'ftruncate');
      return file.truncate(size);
    },
    close: () => file.close(),
  });
  return {
    mkdirp: (dir) => vfs.mkdirp(dir),
    list: (dir) => vfs.list(dir),
    create: async (dir, name) => wrap(await vfs.create(dir, name)),
    open: async (dir, name) => wrap(await vfs.open(dir, name)),
    remove: (dir, name) => vfs.remove(dir, name),
    rename: (dir, from, to) => vfs.rename(dir, from, to),
    syncDir: async (dir) => {
      if (failSync()) throw systemError('EIO', 'fsync');
      return vfs.syncDir(dir);
    },
  };
}
