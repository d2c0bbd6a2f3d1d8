// `cairn snapshot save|restore|inspect` (Consul's `consul snapshot`): save streams the archive
// to FILE (written as FILE.tmp, verified, then renamed), restore uploads FILE, inspect verifies
// a local archive and prints its metadata and row counts. Large transfers show a progress bar
// on an interactive terminal.
import { createReadStream, createWriteStream, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { summarizeStateSnapshot } from '../../storage/snapshot-stream.ts';
import { readArchive, type ArchiveMeta } from '../snapshot-archive.ts';
import { columns, dispatch, isHelpFlag, parseCommand, processIo, reportErrors, type Io } from './http-api.ts';
import { byteProgress } from './progress.ts';

export async function snapshotCommand(argv: readonly string[], io: Io = processIo): Promise<number> {
  return dispatch(argv, 'Usage: cairn snapshot <subcommand> [options] FILE\n\n  Saves, restores and inspects snapshots of the whole cluster state.', {
    inspect: { synopsis: 'Verifies FILE and prints its metadata and row counts', run: inspect },
    restore: { synopsis: 'Restores the cluster state from the snapshot in FILE', run: restore },
    save: { synopsis: 'Saves a snapshot of the cluster state to FILE', run: save },
  }, io);
}

async function verify(file: string): Promise<{ meta: ArchiveMeta; statePath: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-snapshot-'));
  const statePath = join(dir, 'state.bin');
  try {
    const meta = await readArchive(createReadStream(file), statePath);
    return { meta, statePath, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function oneFile(args: readonly string[], io: Io): string | undefined {
  if (args.length !== 1) {
    io.err(`This command takes one argument: <file>\n`);
    return undefined;
  }
  return args[0];
}

async function save(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseCommand(argv, {}, 'Usage: cairn snapshot save [options] FILE\n\n  Saves a snapshot of the cluster state to FILE.', io);
  if (typeof parsed === 'number') return parsed;
  const file = oneFile(parsed.args, io);
  if (file === undefined) return 1;
  return reportErrors(io, 'saving snapshot', async () => {
    const tmp = `${file}.tmp`;
    try {
      const res = await parsed.api.request('GET', '/v1/snapshot');
      if (res.body === null) throw new Error('the server sent no snapshot');
      await pipeline(Readable.fromWeb(res.body as never), byteProgress('Saving snapshot', undefined, io), createWriteStream(tmp, { mode: 0o600 }));
      const { meta, cleanup } = await verify(tmp).catch((err: unknown) => {
        throw new Error(`Error verifying snapshot file: ${(err as Error).message}`);
      });
      cleanup();
      renameSync(tmp, file);
      io.out(`Saved and verified snapshot to index ${meta.Index}\n`);
      return 0;
    } finally {
      rmSync(tmp, { force: true });
    }
  });
}

async function restore(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseCommand(argv, {}, 'Usage: cairn snapshot restore [options] FILE\n\n  Restores the cluster state from the snapshot in FILE, through Raft.', io);
  if (typeof parsed === 'number') return parsed;
  const file = oneFile(parsed.args, io);
  if (file === undefined) return 1;
  return reportErrors(io, 'restoring snapshot', async () => {
    const size = statSync(file).size;
    const body = createReadStream(file).pipe(byteProgress('Restoring snapshot', size, io));
    await parsed.api.request('PUT', '/v1/snapshot', { body: Readable.toWeb(body) as unknown as RequestInit['body'], duplex: 'half' });
    io.out('Restored snapshot\n');
    return 0;
  });
}

async function inspect(argv: readonly string[], io: Io): Promise<number> {
  // A local command: no HTTP flags, only help.
  const usage = 'Usage: cairn snapshot inspect FILE\n\n  Verifies FILE and prints its metadata and row counts.\n';
  if (argv.some(isHelpFlag)) {
    io.out(usage);
    return 0;
  }
  if (argv.length !== 1 || argv[0]!.startsWith('-')) {
    io.err(usage);
    return 1;
  }
  return reportErrors(io, 'inspecting snapshot', async () => {
    const { meta, statePath, cleanup } = await verify(argv[0]!);
    try {
      const summary = await summarizeStateSnapshot(createReadStream(statePath));
      io.out(
        columns([
          [' ID', meta.ID],
          [' Size', String(meta.Size)],
          [' Index', String(meta.Index)],
          [' Term', String(meta.Term)],
          [' Version', String(meta.Version)],
        ]),
      );
      io.out('\n');
      io.out(columns([[' Table', 'Rows'], ...Object.entries(summary.tables).map(([t, n]) => [` ${t}`, String(n)]), [' Total', String(summary.rows)]]));
      return 0;
    } finally {
      cleanup();
    }
  });
}
