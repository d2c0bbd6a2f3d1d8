// raft-wal-ts benchmark: the disk's raw fdatasync limit and the WAL measured in the same run,
// interleaved round by round so the ratio is not skewed by the disk's drift. Prints a table and
// one JSON line per figure. Run: npm run bench:wal (from the repository root).
//
// Environment: WAL_BENCH_DIR (default: the OS temp dir), WAL_BENCH_SECONDS (per measurement
// slice, default 0.1), WAL_BENCH_ROUNDS (slices per figure, default 50), WAL_BENCH_REOPEN_MIB
// (log size for the reopen figure, default 1024).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { NodeVfs, openWal, type LogEntry, type Wal } from '../src/index.ts';

const SLICE_S = Number(process.env['WAL_BENCH_SECONDS'] ?? 0.1);
const ROUNDS = Number(process.env['WAL_BENCH_ROUNDS'] ?? 50);
const REOPEN_MIB = Number(process.env['WAL_BENCH_REOPEN_MIB'] ?? 1024);
/** Bound on building the reopen log; past it the figure is measured on what was built. */
const BUILD_BUDGET_S = 180;
const RECORD = 256;
const GETS = 1_000_000;
const root = fs.mkdtempSync(path.join(process.env['WAL_BENCH_DIR'] ?? os.tmpdir(), 'raft-wal-bench-'));

interface Figure {
  figure: string;
  value: number;
  unit: string;
  raw?: number;
  ratio?: number;
  /** Interquartile range of the per-round ratios: how noisy the disk was meanwhile. */
  ratioIqr?: [number, number];
  target?: string;
  pass?: boolean;
  /** Per-round rates (raw, wal), so a noisy run shows itself. */
  rounds?: { raw: number[]; wal: number[] };
}
const figures: Figure[] = [];

const now = (): number => Number(process.hrtime.bigint()) / 1e9;

/** A file zero-filled and synced up front, so the raw loop overwrites allocated blocks. */
function preallocated(name: string, bytes: number): number {
  const fd = fs.openSync(path.join(root, name), 'w+');
  const zeros = Buffer.alloc(1 << 20);
  for (let at = 0; at < bytes; at += zeros.length) fs.writeSync(fd, zeros, 0, zeros.length, at);
  fs.fsyncSync(fd);
  return fd;
}

/** Raw loop for one slice: write `recordsPerSync` records (one write) + fdatasync. Returns syncs/s. */
function rawSlice(fd: number, buf: Buffer, state: { at: number; limit: number }): number {
  const end = now() + SLICE_S;
  let n = 0;
  let t = now();
  const start = t;
  while (t < end) {
    if (state.at + buf.length > state.limit) state.at = 0;
    fs.writeSync(fd, buf, 0, buf.length, state.at);
    state.at += buf.length;
    fs.fdatasyncSync(fd);
    n++;
    if ((n & 15) === 0) t = now();
  }
  return n / (now() - start);
}

const LIMIT = 256 * 1024 * 1024;
function walEntries(from: number, n: number, payload: Uint8Array): LogEntry[] {
  return Array.from({ length: n }, (_, i) => ({ index: from + i, term: 1, type: 0, data: payload }));
}

/** WAL appends of `batch` entries for one slice, awaited one after another. Returns batches/s. */
async function walSlice(wal: Wal, batch: number, payload: Uint8Array): Promise<number> {
  const end = now() + SLICE_S;
  const start = now();
  let n = 0;
  while (now() < end) {
    await wal.append(walEntries(wal.lastIndex() + 1, batch, payload));
    n++;
  }
  return n / (now() - start);
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Raw and WAL slices alternate for ROUNDS rounds: rates are means, the ratio the median round ratio. */
async function appendFigures(name: string, batch: number, vfs: NodeVfs, rawFd: number, target?: number): Promise<void> {
  const wal = await openWal(path.join(root, `wal-${name}-${batch}`), { vfs });
  const payload = new Uint8Array(RECORD).fill(0xab);
  for (let i = 0; i < 50; i++) await wal.append(walEntries(wal.lastIndex() + 1, batch, payload)); // warm-up
  const rawBuf = Buffer.alloc(batch === 1 ? 4096 : batch * RECORD, 0xcd);
  const state = { at: 0, limit: LIMIT };
  const raw: number[] = [];
  const ours: number[] = [];
  // Short slices, alternating which side goes first, so drift hits both sides alike.
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) raw.push(rawSlice(rawFd, rawBuf, state));
    ours.push(await walSlice(wal, batch, payload));
    if (r % 2 === 1) raw.push(rawSlice(rawFd, rawBuf, state));
  }
  await wal.close();
  // Each round's raw and WAL slices are adjacent in time; the median round ratio resists the
  // disk's (and neighbours') drift better than a ratio of means.
  const ratios = raw.map((r, i) => ours[i]! / r).sort((a, b) => a - b);
  const ratio = ratios[ratios.length >> 1]!;
  const ratioIqr: [number, number] = [ratios[ratios.length >> 2]!, ratios[(3 * ratios.length) >> 2]!];
  const rawRate = mean(raw);
  const walRate = mean(ours);
  const rawLabel = batch === 1 ? 'raw 4 KiB write + fdatasync' : `raw ${batch} x 256 B records per fdatasync`;
  figures.push({ figure: `${rawLabel} (${name})`, value: rawRate * (batch === 1 ? 1 : batch), unit: batch === 1 ? 'syncs/s' : 'records/s' });
  const t = target === undefined ? {} : { target: `>= ${target * 100}% of raw`, pass: ratio >= target };
  const rounds = { raw: raw.map(Math.round), wal: ours.map(Math.round) };
  figures.push({ figure: `wal append batch ${batch} (${name})`, value: walRate * batch, unit: 'entries/s', raw: rawRate * batch, ratio, ratioIqr, ...t, rounds });
  figures.push({ figure: `wal append batch ${batch} (${name}) batches`, value: walRate, unit: 'batches/s', raw: rawRate, ratio });
}

/** Random gets over a log built for the purpose (sealed segments and the tail). */
async function getFigure(): Promise<void> {
  const dir = path.join(root, 'wal-gets');
  const wal = await openWal(dir, { segmentSize: 16 * 1024 * 1024 });
  const payload = new Uint8Array(RECORD).fill(0x5c);
  const total = 200_000;
  for (let i = 1; i <= total; i += 1000) await wal.append(walEntries(i, 1000, payload));
  let x = 0x12345678;
  let bytes = 0;
  const start = now();
  for (let i = 0; i < GETS; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes += wal.get(1 + ((x >>> 0) % total))!.data.length;
  }
  const rate = GETS / (now() - start);
  if (bytes !== GETS * RECORD) throw new Error('bad get result');
  await wal.close();
  figures.push({ figure: 'wal random get (page cache)', value: rate, unit: 'gets/s', target: '>= 200000/s', pass: rate >= 200_000 });
}

/** Builds a log of REOPEN_MIB (bounded by BUILD_BUDGET_S), then times openWal on it. */
async function reopenFigure(): Promise<void> {
  const dir = path.join(root, 'wal-reopen');
  let wal = await openWal(dir);
  const payload = new Uint8Array(RECORD).fill(0x3e);
  const perBatch = 4096;
  const batches = Math.ceil((REOPEN_MIB * 1024 * 1024) / ((RECORD + 32) * perBatch));
  const deadline = now() + BUILD_BUDGET_S;
  for (let b = 0; b < batches && now() < deadline; b++) await wal.append(walEntries(wal.lastIndex() + 1, perBatch, payload));
  const last = wal.lastIndex();
  await wal.close();
  const onDisk = fs.readdirSync(dir).reduce((s, n) => s + fs.statSync(path.join(dir, n)).size, 0);
  const times: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t = now();
    wal = await openWal(dir);
    if (wal.lastIndex() !== last || wal.get(last) === undefined || wal.get(1) === undefined) throw new Error('reopen lost entries');
    times.push(now() - t);
    await wal.close();
  }
  times.sort((a, b) => a - b);
  const s = times[1]!;
  figures.push({ figure: `wal reopen of ${(onDisk / 2 ** 30).toFixed(2)} GiB (${last} entries, median of 3)`, value: s, unit: 's', target: '< 1 s', pass: s < 1 });
}

function report(): void {
  const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;
  const rows = figures.map((f) => [
    f.figure,
    `${f.value.toFixed(f.unit === 's' ? 3 : 0)} ${f.unit}`,
    f.ratio === undefined ? '' : pct(f.ratio),
    f.ratioIqr ? `${pct(f.ratioIqr[0])}–${pct(f.ratioIqr[1])}` : '',
    f.target ?? '',
    f.pass === undefined ? '' : f.pass ? 'yes' : 'NO',
  ]);
  const head = ['figure', 'value', 'vs raw (median)', 'per-round IQR', 'target', 'met'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  for (const f of figures) console.log(JSON.stringify(f));
}

async function main(): Promise<void> {
  console.log(`raft-wal-ts bench: ${os.cpus().length} cpus, node ${process.version}, dir ${root}, ${ROUNDS} x ${SLICE_S}s slices per figure`);
  const rawFd = preallocated('raw.bin', LIMIT);
  const pool = new NodeVfs();
  try {
    await appendFigures('threadpool sync', 1, pool, rawFd, 0.85);
    await appendFigures('inline sync', 1, new NodeVfs({ syncMode: 'inline' }), rawFd, 0.85);
    await appendFigures('threadpool sync', 16, pool, rawFd);
    await appendFigures('threadpool sync', 64, pool, rawFd, 0.8);
    await appendFigures('inline sync', 64, new NodeVfs({ syncMode: 'inline' }), rawFd, 0.8);
    await appendFigures('threadpool sync', 256, pool, rawFd);
    await getFigure();
    await reopenFigure();
  } finally {
    fs.closeSync(rawFd);
    fs.rmSync(root, { recursive: true, force: true });
  }
  report();
}

await main();
