// Progress bars for long transfers (snapshot save/restore bytes, kv export/import keys), drawn on
// stderr only when it is an interactive terminal, so scripts and pipes see clean output.
import { Transform } from 'node:stream';
import cliProgress from 'cli-progress';
import { processIo, type Io } from './http-api.ts';

/** Byte transfers at least this big get a bar. */
export const PROGRESS_MIN_BYTES = 8 * 1024 * 1024;
/** Key transfers of at least this many keys get a bar. */
export const PROGRESS_MIN_KEYS = 500;
const MIB = 1024 * 1024;

const interactive = (io: Io): boolean => io === processIo && process.stderr.isTTY === true;

/** Counts bytes through a stream and drives a bar when the transfer is big enough to need one. */
export function byteProgress(label: string, total: number | undefined, io: Io): Transform {
  const bar =
    interactive(io) && (total === undefined || total >= PROGRESS_MIN_BYTES)
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

export interface CountProgress {
  tick(n?: number): void;
  stop(): void;
}

/** A bar over a known number of items (keys), when there are enough of them to need one. */
export function countProgress(label: string, total: number, io: Io): CountProgress {
  if (!interactive(io) || total < PROGRESS_MIN_KEYS) return { tick: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar({ format: `${label} |{bar}| {value}/{total} keys`, stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
  bar.start(total, 0);
  return { tick: (n = 1) => bar.increment(n), stop: () => bar.stop() };
}
