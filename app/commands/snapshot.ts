// `cairn snapshot save|restore|inspect` (Consul's `consul snapshot`): save streams the archive
// to FILE (written as FILE.tmp, verified, then renamed), restore uploads FILE, inspect verifies
// a local archive and prints its metadata and row counts. Large transfers show a progress bar
// on an interactive terminal.
import { createReadStream, createWriteStream, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import cliProgress from 'cli-progress';
import { summarizeStateSnapshot } from '../../storage/snapshot-stream.ts';
import { readArchive, type ArchiveMeta } from '../snapshot-archive.ts';
import { columns, parseCommand, processIo, reportErrors, type Io } from './http-api.ts';

/** Transfers at least this big get a progress bar (when stderr is a terminal). */
const PROGRESS_MIN_BYTES = 8 * 1024 * 1024;
const MIB = 1024 * 1024;

const USAGE = `Usage: cairn snapshot <subcommand> [options] FILE

  Saves, restores and inspects snapshots of the whole cluster state.

Subcommands:

    save       Saves a snapshot of the cluster state to FILE
    restore    Restores the cluster state from the snapshot in FILE
    inspect    Verifies FILE and prints its metadata and row counts`;

export async function snapshotCommand(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'save':
      return save(rest, io);
    case 'restore':
      return restore(rest, io);
    case 'inspect':
      return inspect(rest, io);
    default:
      io.err(`${USAGE}\n`);
      return sub === undefined || sub === '-h' || sub === '-help' ? 0 : 1;
  }
}

/** Counts bytes through a stream and drives a bar when the transfer is big enough to need one. */
function progress(label: string, total: number | undefined, io: Io): Transform {
  const interactive = io === processIo && process.stderr.isTTY === true;
  const bar =
    interactive && (total === undefined || total >= PROGRESS_MIN_BYTES)
      ? new cliProgress.SingleBar({ format: `${label} |{bar}| {done}/{all} MiB`, stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
      : undefined;
  let seen = 0;
  const mib = (n: number): string => (n / MIB).toFixed(1);
  bar?.start(total ?? 1, 0, { done: '0.0', all: total === undefined ? '?' : mib(total) });
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      bar?.update(total === undefined ? 0 : seen, { done: mib(seen) });
      done(null, chunk);
    },
    flush(done) {
      bar?.update(total ?? 1, { done: mib(seen), all: mib(total ?? seen) });
      bar?.stop();
      done();
    },
  });
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
      await pipeline(Readable.fromWeb(res.body as never), progress('Saving snapshot', undefined, io), createWriteStream(tmp, { mode: 0o600 }));
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
    const body = createReadStream(file).pipe(progress('Restoring snapshot', size, io));
    await parsed.api.request('PUT', '/v1/snapshot', { body: Readable.toWeb(body) as unknown as RequestInit['body'], duplex: 'half' });
    io.out('Restored snapshot\n');
    return 0;
  });
}

async function inspect(argv: readonly string[], io: Io): Promise<number> {
  if (argv.length !== 1 || argv[0]!.startsWith('-')) {
    io.err('Usage: cairn snapshot inspect FILE\n\n  Verifies FILE and prints its metadata and row counts.\n');
    return argv.includes('-h') || argv.includes('-help') ? 0 : 1;
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
