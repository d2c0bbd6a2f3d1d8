#!/usr/bin/env -S node --import tsx
// wal-dump: prints a WAL directory's meta file, segments, batches and (with --entries) entries,
// for debugging. Read-only: it never repairs or removes anything.
// Usage: npx tsx consensus/raft-wal-ts/src/cli/wal-dump.ts <dir> [--entries]
import { Buffer } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { decodeMeta, META_FILE, type MetaSegment, type MetaState } from '../format/meta-format.ts';
import { readU64 } from '../format/bytes.ts';
import { FRAME_ENTRY, FRAME_INDEX, FRAME_TRUNCATE, checkSegmentHeader, parseSegmentFileName, segmentFileName } from '../format/segment-format.ts';
import { readBatch, scanTail } from '../segment/tail-scan.ts';

const out = (line: string): void => void process.stdout.write(`${line}\n`);

function main(argv: string[]): number {
  const dir = argv.find((a) => !a.startsWith('--'));
  if (!dir) {
    process.stderr.write('usage: wal-dump <dir> [--entries]\n');
    return 2;
  }
  const withEntries = argv.includes('--entries');
  const meta = dumpMeta(dir);
  const named = new Map((meta?.segments ?? []).map((s) => [segmentFileName(s.baseIndex, s.id), s]));
  const files = fs.readdirSync(dir).sort();
  for (const name of files) {
    if (!parseSegmentFileName(name)) {
      if (name !== META_FILE) out(`\nfile ${name}: not a segment (removed on open if it is a WAL temp file)`);
      continue;
    }
    const m = named.get(name);
    dumpSegment(dir, name, m, m !== undefined && m === meta?.segments.at(-1) && m.indexOffset === 0, withEntries);
  }
  for (const name of named.keys()) if (!files.includes(name)) out(`\nsegment ${name}: MISSING (named by the meta file)`);
  return 0;
}

function dumpMeta(dir: string): MetaState | undefined {
  const file = path.join(dir, META_FILE);
  if (!fs.existsSync(file)) {
    out(`meta: ${META_FILE} missing`);
    return undefined;
  }
  try {
    const meta = decodeMeta(fs.readFileSync(file));
    out(`meta: next segment id ${meta.nextSegmentId}, first index ${meta.firstIndex}, ${meta.segments.length} segment(s)`);
    for (const s of meta.segments) {
      const state = s.indexOffset > 0 ? `sealed, last ${s.lastIndex}, index frame at ${s.indexOffset}` : 'tail (unsealed)';
      out(`  ${segmentFileName(s.baseIndex, s.id)}  base ${s.baseIndex}  id ${s.id}  ${state}`);
    }
    for (const [k, v] of meta.stable) out(`  stable ${JSON.stringify(k)} = ${describeBytes(v)}`);
    return meta;
  } catch (err) {
    out(`meta: UNREADABLE: ${(err as Error).message}`);
    return undefined;
  }
}

function dumpSegment(dir: string, name: string, m: MetaSegment | undefined, isTail: boolean, withEntries: boolean): void {
  const buf = fs.readFileSync(path.join(dir, name));
  const { baseIndex, id } = parseSegmentFileName(name)!;
  out(`\nsegment ${name}: ${buf.length} bytes, ${m ? (isTail ? 'tail' : 'sealed') : 'NOT IN META (removed on open)'}`);
  const bad = checkSegmentHeader(buf, 0, baseIndex, id);
  out(`  header: ${bad ?? 'ok'}`);
  let pos = 0;
  // Each batch read moves pos forward, so the walk ends within the file.
  while (pos < buf.length) {
    const batch = readBatch(buf, pos, id);
    if (!batch.ok) {
      out(`  batches end at ${pos}: ${batch.stopAt >= buf.length || buf[batch.stopAt] === 0 ? 'unwritten space follows' : `no valid commit after (scan stopped at ${batch.stopAt})`}`);
      break;
    }
    const ents = batch.frames.filter((f) => f.kind === FRAME_ENTRY);
    const range = ents.length > 0 ? `entries ${ents[0]!.value}..${ents.at(-1)!.value}` : 'no entries';
    const extra = batch.frames.filter((f) => f.kind !== FRAME_ENTRY).map((f) => (f.kind === FRAME_INDEX ? `index frame (${f.value} offsets) at ${f.at}` : f.kind === FRAME_TRUNCATE ? `truncate to ${f.value}` : `frame ${f.kind}`));
    out(`  batch [${pos}, ${batch.end}): ${range}${extra.length ? `; ${extra.join('; ')}` : ''}`);
    if (withEntries) for (const f of ents) out(`    ${describeEntry(buf, f.at)}`);
    pos = batch.end;
  }
  if (isTail) out(`  recovery: ${describeRecovery(buf, name, baseIndex, id)}`);
}

function describeRecovery(buf: Buffer, name: string, baseIndex: number, id: number): string {
  try {
    const scan = scanTail(buf, name, baseIndex, id);
    const last = baseIndex + scan.liveCount - 1;
    return `${scan.liveCount} live entries (last ${scan.liveCount > 0 ? last : 'none'}), committed end ${scan.committedEnd}${scan.indexOffset ? ', sealed' : ''}`;
  } catch (err) {
    return `FAILS: ${(err as Error).message}`;
  }
}

function describeEntry(buf: Buffer, at: number): string {
  const len = buf.readUInt32LE(at + 4);
  const data = buf.subarray(at + 32, at + 32 + len);
  return `@${at} index ${readU64(buf, at + 8)} term ${readU64(buf, at + 16)} type ${buf.readUInt16LE(at + 2)} ${len} bytes ${describeBytes(data)}`;
}

function describeBytes(v: Uint8Array): string {
  const shown = Buffer.from(v.subarray(0, 24));
  const printable = shown.every((b) => b >= 0x20 && b < 0x7f);
  const text = printable ? JSON.stringify(shown.toString('latin1')) : shown.toString('hex');
  return `${text}${v.length > 24 ? '…' : ''} (${v.length} bytes)`;
}

// `wal-dump dir | head` closes the pipe early; that is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(0);
});
process.exitCode = main(process.argv.slice(2));
