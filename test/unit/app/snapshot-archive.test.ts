// The snapshot archive: Consul's envelope (gzip'd tar of meta.json, state.bin, SHA256SUMS),
// round trip through real files, and every kind of damage refused with Consul's texts.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readArchive, SnapshotArchiveError, writeArchive, type ArchiveMeta } from '../../../app/snapshot-archive.ts';
import { restampSnapshot, StateSnapshotError, summarizeStateSnapshot } from '../../../storage/snapshot-stream.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-archive-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const STATE = [
  '{"format":"cairn-state","version":1,"index":42,"term":3}',
  '{"table":"kvs","columns":["key","value"]}',
  '["a",null]',
  '["b",{"b64":"eA=="}]',
  '{"table":"sessions","columns":["id"]}',
  '["s1"]',
  '{"end":true,"rows":3}',
  '',
].join('\n');

function meta(size: number): ArchiveMeta {
  return {
    Version: 1,
    ID: '3-42-1700000000000',
    Index: 42,
    Term: 3,
    Peers: '',
    Configuration: { Servers: [{ Suffrage: 0, ID: 'a', Address: '127.0.0.1:8300' }] },
    ConfigurationIndex: 1,
    Size: size,
  };
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

async function archive(): Promise<Buffer> {
  const statePath = join(dir, 'state.in');
  writeFileSync(statePath, STATE);
  return collect(writeArchive(meta(Buffer.byteLength(STATE)), statePath));
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** The archive's tar members, in order. */
async function members(gz: Buffer): Promise<{ name: string; data: Buffer }[]> {
  const extract = tar.extract();
  const out: { name: string; data: Buffer }[] = [];
  const done = (async () => {
    for await (const m of extract) out.push({ name: m.header.name, data: await collect(m as unknown as AsyncIterable<Uint8Array>) });
  })();
  extract.end(gunzipSync(gz));
  await done;
  return out;
}

async function repack(files: readonly { name: string; data: Buffer }[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const f of files) pack.entry({ name: f.name, mode: 0o600, size: f.data.length }, f.data);
  pack.finalize();
  return gzipSync(await collect(pack as unknown as AsyncIterable<Uint8Array>));
}

async function refusal(bytes: Buffer): Promise<string> {
  try {
    await readArchive(once(bytes), join(dir, 'state.out'));
  } catch (err) {
    expect(err).toBeInstanceOf(SnapshotArchiveError);
    return (err as Error).message;
  }
  throw new Error('the archive was accepted');
}

describe('snapshot archive', () => {
  it('holds exactly meta.json, state.bin and SHA256SUMS in order, mode 0600, with matching sums', async () => {
    const files = await members(await archive());
    expect(files.map((f) => f.name)).toEqual(['meta.json', 'state.bin', 'SHA256SUMS']);
    expect(JSON.parse(files[0]!.data.toString())).toEqual(meta(Buffer.byteLength(STATE)));
    expect(files[1]!.data.toString()).toBe(STATE);
    const sums = files[2]!.data.toString();
    for (const f of files.slice(0, 2)) expect(sums).toContain(`${createHash('sha256').update(f.data).digest('hex')}  ${f.name}\n`);
  });

  it('round-trips: the state comes out byte for byte with its metadata', async () => {
    const out = join(dir, 'state.out');
    expect(await readArchive(once(await archive()), out)).toEqual(meta(Buffer.byteLength(STATE)));
    expect(readFileSync(out, 'utf8')).toBe(STATE);
  });

  it('refuses a flipped byte in state.bin', async () => {
    const files = await members(await archive());
    const state = Buffer.from(files[1]!.data);
    state[30] = state[30]! ^ 0x01;
    const bad = await repack([files[0]!, { name: 'state.bin', data: state }, files[2]!]);
    expect(await refusal(bad)).toBe('failed to read snapshot file: failed checking integrity of snapshot: hash check failed for "state.bin"');
  });

  it('refuses a wrong SHA256SUMS, a missing entry in it and a missing file', async () => {
    const [m, s, sums] = await members(await archive());
    const wrong = sums!.data.toString().replace(/^[0-9a-f]{64}(?= {2}meta\.json)/m, '0'.repeat(64));
    expect(await refusal(await repack([m!, s!, { name: 'SHA256SUMS', data: Buffer.from(wrong) }]))).toBe(
      'failed to read snapshot file: failed checking integrity of snapshot: hash check failed for "meta.json"',
    );
    const onlyState = sums!.data.toString().split('\n').filter((l) => l.endsWith('state.bin')).join('\n');
    expect(await refusal(await repack([m!, s!, { name: 'SHA256SUMS', data: Buffer.from(onlyState) }]))).toBe(
      'failed to read snapshot file: failed checking integrity of snapshot: file missing for "meta.json"',
    );
    const extra = `${sums!.data.toString()}${'a'.repeat(64)}  other.bin\n`;
    expect(await refusal(await repack([m!, s!, { name: 'SHA256SUMS', data: Buffer.from(extra) }]))).toBe(
      'failed to read snapshot file: failed checking integrity of snapshot: list missing hash for "other.bin"',
    );
  });

  it('refuses an unexpected file', async () => {
    const files = await members(await archive());
    const bad = await repack([...files.slice(0, 2), { name: 'extra', data: Buffer.from('x') }, files[2]!]);
    expect(await refusal(bad)).toBe('failed to read snapshot file: unexpected file "extra" in snapshot');
  });

  it('refuses a truncated archive, a corrupted compressed stream and bytes that are not gzip', async () => {
    const good = await archive();
    expect(await refusal(good.subarray(0, Math.floor(good.length / 2)))).toMatch(/^failed to read snapshot file: failed reading snapshot: unexpected EOF$/);
    const flipped = Buffer.from(good);
    flipped[Math.floor(good.length / 2)] = flipped[Math.floor(good.length / 2)]! ^ 0xff;
    expect(await refusal(flipped)).toMatch(/^failed to (read snapshot file|decompress snapshot): /);
    expect(await refusal(Buffer.from('not a snapshot at all'))).toBe('failed to decompress snapshot: gzip: invalid header');
  });
});

describe('state snapshot stream helpers', () => {
  it('restamps the header for the install position and leaves the rows alone', async () => {
    const out = (await collect(restampSnapshot(once(Buffer.from(STATE)), { index: 500, term: 9 }))).toString();
    expect(out.split('\n')[0]).toBe('{"format":"cairn-state","version":1,"index":500,"term":9}');
    expect(out.split('\n').slice(1)).toEqual(STATE.split('\n').slice(1));
    await expect(collect(restampSnapshot(once(Buffer.from(STATE)), { index: 41, term: 9 }))).rejects.toBeInstanceOf(StateSnapshotError);
    await expect(collect(restampSnapshot(once(Buffer.from('{"format":"other"}\n')), { index: 500, term: 9 }))).rejects.toThrow('unsupported');
  });

  it('counts rows per table across arbitrary chunk boundaries and checks the end marker', async () => {
    const bytes = Buffer.from(STATE);
    async function* bySize(n: number): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i += n) yield bytes.subarray(i, i + n);
    }
    for (const n of [1, 7, 64, 4096]) {
      expect(await summarizeStateSnapshot(bySize(n))).toEqual({ index: 42, term: 3, tables: { kvs: 2, sessions: 1 }, rows: 3 });
    }
    const truncated = STATE.split('\n').slice(0, 5).join('\n');
    await expect(summarizeStateSnapshot(once(Buffer.from(truncated)))).rejects.toThrow('truncated');
  });
});
