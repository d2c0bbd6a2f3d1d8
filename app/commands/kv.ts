// `cairn kv get|put|delete|export|import` (Consul's `consul kv`): the same flags, output lines,
// error messages and exit codes, over /v1/kv and, for imports, /v1/txn batches.
import type { FlagSpec, FlagValues } from '../flags.ts';
import {
  describeError, dispatch, fail, kvPath, parseCommand, parseJson, processIo, readData, reportErrors, toJson,
  type HttpApi, type Io,
} from './http-api.ts';
import { byteProgress, countProgress } from './progress.ts';

interface KvPair {
  Key: string;
  /** uint64 as its decimal digits (see parseJson). */
  Flags: string;
  Value: string | null;
  LockIndex: number;
  Session?: string;
  CreateIndex: number;
  ModifyIndex: number;
}

/** One exported entry, as `consul kv export` writes it (value in base64). */
interface ExportEntry {
  key: string;
  flags: string;
  value: string;
}

export async function kvCommand(argv: readonly string[], io: Io = processIo): Promise<number> {
  return dispatch(argv, 'Usage: cairn kv <subcommand> [options] [args]\n\n  Reads and writes the key/value store.', {
    delete: { synopsis: 'Removes data from the KV store', run: del },
    export: { synopsis: 'Exports a tree from the KV store as JSON', run: exportTree },
    get: { synopsis: 'Retrieves or lists data from the KV store', run: get },
    import: { synopsis: 'Imports a tree stored as JSON to the KV store', run: importTree },
    put: { synopsis: 'Sets or updates data in the KV store', run: put },
  }, io);
}

/** Keys never start with "/"; Consul strips one for the user. */
const trimKey = (key: string): string => (key.startsWith('/') ? key.slice(1) : key);
const decode = (value: string | null): Buffer => Buffer.from(value ?? '', 'base64');
const flag = (f: FlagValues, name: string): string | undefined => (typeof f[name] === 'string' ? f[name] : undefined);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Go's flag.Uint64Var: decimal digits up to 2^64-1. */
const isUint64 = (v: string): boolean => /^\d{1,20}$/.test(v) && BigInt(v) < 2n ** 64n;

/** Zero or one KEY argument (Consul's get, delete and export). */
function optionalKey(args: readonly string[], io: Io): string | number {
  if (args.length > 1) return fail(io, `Too many arguments (expected 1, got ${args.length})`);
  return trimKey(args[0] ?? '');
}

/** Uint64 flags, checked as Go's flag package checks them (the message and usage, exit 1). */
function uint64Flags(f: FlagValues, names: readonly string[], io: Io): number | undefined {
  for (const name of names) {
    const v = flag(f, name);
    if (v !== undefined && !isUint64(v)) return fail(io, `invalid value "${v}" for flag -${name}: parse error`);
  }
  return undefined;
}

const GET_FLAGS: Readonly<Record<string, FlagSpec>> = {
  base64: { kind: 'bool', usage: 'Base64 encode the value.' },
  detailed: { kind: 'bool', usage: 'Print the entry\'s metadata (indexes, flags, lock holder) with its value.' },
  keys: { kind: 'bool', usage: 'List the keys under the prefix, not their values.' },
  recurse: { kind: 'bool', usage: 'Read every key under the prefix.' },
  separator: { kind: 'string', usage: 'With -keys: list keys only up to this separator (default "/").' },
};

/** Consul's tabwriter layout (padding 6 after the longest label, "ModifyIndex"). */
export function detailed(pair: KvPair, base64: boolean): string {
  const value = base64 ? pair.Value ?? '' : decode(pair.Value).toString('utf8');
  const rows: [string, string][] = [
    ['CreateIndex', String(pair.CreateIndex)], ['Flags', pair.Flags], ['Key', pair.Key], ['LockIndex', String(pair.LockIndex)],
    ['ModifyIndex', String(pair.ModifyIndex)], ['Session', pair.Session ?? '-'], ['Value', value],
  ];
  return rows.map(([k, v]) => `${k.padEnd(17)}${v}`).join('\n');
}

async function get(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseCommand(argv, GET_FLAGS, 'Usage: cairn kv get [options] [KEY_OR_PREFIX]\n\n  Retrieves the value at KEY, or lists keys and values under a prefix.', io);
  if (typeof parsed === 'number') return parsed;
  const f = parsed.flags;
  const key = optionalKey(parsed.args, io);
  if (typeof key === 'number') return key;
  if (key === '' && f['recurse'] !== true && f['keys'] !== true) return fail(io, 'Error! Missing KEY argument');
  const base64 = f['base64'] === true;
  return reportErrors(io, 'querying Consul agent', async () => {
    if (f['keys'] === true) {
      const { data } = await parsed.api.read<string[]>(kvPath(key), { params: { keys: '', separator: flag(f, 'separator') ?? '/' }, allow: [404] });
      io.out((data ?? []).map((k) => `${k}\n`).join(''));
      return 0;
    }
    if (f['recurse'] === true) {
      const { data } = await parsed.api.read<KvPair[]>(kvPath(key), { params: { recurse: '' }, allow: [404] });
      const lines = (data ?? []).map((p) => (f['detailed'] === true ? detailed(p, base64) : `${p.Key}:${base64 ? p.Value ?? '' : decode(p.Value).toString('utf8')}`));
      io.out(lines.length === 0 ? '' : `${lines.join(f['detailed'] === true ? '\n\n' : '\n')}\n`);
      return 0;
    }
    const { data } = await parsed.api.read<KvPair[]>(kvPath(key), { allow: [404] });
    const pair = data?.[0];
    if (pair === undefined) return fail(io, `Error! No key exists at: ${key}`);
    if (f['detailed'] === true) io.out(`${detailed(pair, base64)}\n`);
    else if (base64) io.out(`${pair.Value ?? ''}\n`);
    else if (io.outBytes !== undefined) io.outBytes(Buffer.concat([decode(pair.Value), Buffer.from('\n')]));
    else io.out(`${decode(pair.Value).toString('utf8')}\n`);
    return 0;
  });
}

const PUT_FLAGS: Readonly<Record<string, FlagSpec>> = {
  acquire: { kind: 'bool', usage: 'Acquire the lock on KEY for -session (creating the key if needed).' },
  base64: { kind: 'bool', usage: 'DATA is base64-encoded; decode it before writing.' },
  cas: { kind: 'bool', usage: 'Check-and-set: write only if KEY\'s ModifyIndex is still -modify-index.' },
  flags: { kind: 'string', usage: 'Unsigned integer stored with the key (default 0).' },
  'modify-index': { kind: 'string', usage: 'The ModifyIndex -cas compares with.' },
  release: { kind: 'bool', usage: 'Release the lock -session holds on KEY.' },
  session: { kind: 'string', usage: 'The session for -acquire and -release.' },
};

/** What a put does, and Consul's lines for its outcomes. */
function putMode(f: FlagValues, key: string, session: string, params: Record<string, string>): { ok: string; refused: string; failed: string } {
  if (f['cas'] === true) {
    params['cas'] = flag(f, 'modify-index') ?? '0';
    return { ok: `Success! Data written to: ${key}`, refused: `Error! Did not write to ${key}: CAS failed`, failed: `Error! Did not write to ${key}` };
  }
  if (f['acquire'] === true) {
    params['acquire'] = session;
    return { ok: `Success! Lock acquired on: ${key}`, refused: 'Error! Did not acquire lock', failed: 'Error! Failed writing data' };
  }
  if (f['release'] === true) {
    params['release'] = session;
    return { ok: `Success! Lock released on: ${key}`, refused: 'Error! Did not release lock', failed: 'Error! Failed writing data' };
  }
  return { ok: `Success! Data written to: ${key}`, refused: `Error! Did not write to ${key}`, failed: 'Error! Failed writing data' };
}

async function put(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseCommand(argv, PUT_FLAGS, 'Usage: cairn kv put [options] KEY [DATA]\n\n  Writes DATA to KEY. DATA "-" reads stdin, "@path" reads a file; no DATA writes an empty value.', io);
  if (typeof parsed === 'number') return parsed;
  const f = parsed.flags;
  const bad = uint64Flags(f, ['flags', 'modify-index'], io);
  if (bad !== undefined) return bad;
  if (parsed.args.length === 0) return fail(io, 'Error! Missing KEY argument');
  if (parsed.args.length > 2) return fail(io, `Error! Too many arguments (expected 1 or 2, got ${parsed.args.length})`);
  const key = parsed.args[0] as string;
  let data: Buffer;
  try {
    data = await readData(parsed.args[1] ?? '', io);
  } catch (err) {
    return fail(io, `Error! ${(err as Error).message}`);
  }
  if (f['base64'] === true) {
    const text = data.toString('utf8');
    if (!BASE64.test(text)) return fail(io, 'Error! Cannot base 64 decode data: illegal base64 data');
    data = Buffer.from(text, 'base64');
  }
  const session = flag(f, 'session') ?? '';
  if ((f['acquire'] === true || f['release'] === true) && session === '') return fail(io, 'Error! Missing -session (required with -acquire and -release)');
  if (f['cas'] === true && BigInt(flag(f, 'modify-index') ?? '0') === 0n) return fail(io, 'Must specify -modify-index with -cas!');
  const params: Record<string, string> = flag(f, 'flags') === undefined ? {} : { flags: flag(f, 'flags') as string };
  const mode = putMode(f, key, session, params);
  try {
    const ok = await parsed.api.json<boolean>('PUT', kvPath(key), { params, body: new Uint8Array(data) });
    if (!ok) return fail(io, mode.refused);
  } catch (err) {
    return fail(io, `${mode.failed}: ${describeError(err)}`);
  }
  io.out(`${mode.ok}\n`);
  return 0;
}

const DELETE_FLAGS: Readonly<Record<string, FlagSpec>> = {
  cas: { kind: 'bool', usage: 'Delete only if KEY\'s ModifyIndex is still -modify-index.' },
  'modify-index': { kind: 'string', usage: 'The ModifyIndex -cas compares with.' },
  recurse: { kind: 'bool', usage: 'Delete every key under the prefix.' },
};

/** Consul's argument checks for delete, in its order; a message, or undefined when usable. */
function deleteProblem(f: FlagValues, key: string): string | undefined {
  const index = BigInt(flag(f, 'modify-index') ?? '0');
  if (key === '' && f['recurse'] !== true) return 'Error! Missing KEY argument';
  if (f['cas'] === true && index === 0n) return 'Cannot delete a key that does not exist. Provide a -modify-index greater than than 0.';
  if (index !== 0n && f['cas'] !== true) return 'Cannot specify -modify-index without -cas!';
  if (f['recurse'] === true && f['cas'] === true) return 'Cannot specify both -cas and -recurse!';
  return undefined;
}

async function del(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseCommand(argv, DELETE_FLAGS, 'Usage: cairn kv delete [options] KEY_OR_PREFIX\n\n  Removes KEY, or with -recurse every key under the prefix.', io);
  if (typeof parsed === 'number') return parsed;
  const f = parsed.flags;
  const bad = uint64Flags(f, ['modify-index'], io);
  if (bad !== undefined) return bad;
  const key = optionalKey(parsed.args, io);
  if (typeof key === 'number') return key;
  const problem = deleteProblem(f, key);
  if (problem !== undefined) return fail(io, problem);
  const recurse = f['recurse'] === true;
  const cas = f['cas'] === true;
  try {
    const ok = await parsed.api.json<boolean>('DELETE', kvPath(key), { params: recurse ? { recurse: '' } : cas ? { cas: flag(f, 'modify-index') as string } : {} });
    if (!ok) return fail(io, `Error! Did not delete key ${key}: CAS failed`);
  } catch (err) {
    const what = recurse ? `Error! Did not delete prefix ${key}` : cas ? `Error! Did not delete key ${key}` : `Error deleting key ${key}`;
    return fail(io, `${what}: ${describeError(err)}`);
  }
  io.out(recurse ? `Success! Deleted keys with prefix: ${key}\n` : `Success! Deleted key: ${key}\n`);
  return 0;
}

async function exportTree(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseCommand(argv, {}, 'Usage: cairn kv export [options] [PREFIX]\n\n  Writes every key under PREFIX (default: all) as a JSON array of {key, flags, value (base64)}.', io);
  if (typeof parsed === 'number') return parsed;
  const prefix = optionalKey(parsed.args, io);
  if (typeof prefix === 'number') return prefix;
  return reportErrors(io, 'querying Consul agent', async () => {
    const res = await parsed.api.request('GET', kvPath(prefix), { params: { recurse: '' }, allow: [404] });
    let entries: ExportEntry[] = [];
    if (res.status === 404) await res.body?.cancel();
    else entries = parseJson<KvPair[]>(await readAll(res, io)).map((p) => ({ key: p.Key, flags: p.Flags, value: p.Value ?? '' }));
    io.out(`${toJson(entries, '\t')}\n`);
    return 0;
  });
}

/** Reads a response body through the byte progress bar (large exports). */
async function readAll(res: Response, io: Io): Promise<string> {
  const length = Number(res.headers.get('Content-Length') ?? 'NaN');
  const meter = byteProgress('Exporting', Number.isFinite(length) ? length : undefined, io);
  const chunks: Buffer[] = [];
  meter.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => meter.on('end', resolve).on('error', reject));
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) meter.write(chunk);
  meter.end();
  await done;
  return Buffer.concat(chunks).toString('utf8');
}

/** Txn batches stay inside the server's 64-operation limit and well inside its body limit. */
const IMPORT_BATCH_OPS = 64;
const IMPORT_BATCH_BYTES = 256 * 1024;

/** The entries of an import, checked as Consul checks them (JSON array, base64 values). */
function importEntries(raw: Buffer, prefix: string): ExportEntry[] | string {
  let entries: unknown;
  try {
    entries = parseJson(raw.toString('utf8'));
  } catch (err) {
    return `Cannot unmarshal data: ${(err as Error).message}`;
  }
  if (!Array.isArray(entries)) return 'Cannot unmarshal data: expected a JSON array of {"key", "flags", "value"}';
  const out: ExportEntry[] = [];
  for (const e of entries as Partial<Record<keyof ExportEntry, unknown>>[]) {
    if (typeof e?.key !== 'string') return 'Cannot unmarshal data: every entry needs a string "key"';
    const value = typeof e.value === 'string' ? e.value : '';
    if (!BASE64.test(value)) return `Error base 64 decoding value for key ${e.key}: illegal base64 data`;
    const flags = typeof e.flags === 'string' && isUint64(e.flags) ? e.flags : '0';
    out.push({ key: prefix === '' ? e.key : `${prefix.replace(/\/+$/, '')}/${e.key}`, flags, value });
  }
  return out;
}

async function importTree(argv: readonly string[], io: Io): Promise<number> {
  const specs: Record<string, FlagSpec> = { prefix: { kind: 'string', usage: 'Key prefix for the imported data (default: the root).' } };
  const parsed = parseCommand(argv, specs, 'Usage: cairn kv import [options] [DATA]\n\n  Imports the JSON `cairn kv export` writes. DATA "-" reads stdin, "@path" reads a file.', io);
  if (typeof parsed === 'number') return parsed;
  if (parsed.args.length === 0) return fail(io, 'Error! Missing DATA argument');
  if (parsed.args.length > 1) return fail(io, `Error! Too many arguments (expected 1, got ${parsed.args.length})`);
  if (parsed.args[0] === '') return fail(io, 'Error! Empty DATA argument');
  let raw: Buffer;
  try {
    raw = await readData(parsed.args[0] as string, io);
  } catch (err) {
    return fail(io, `Error! ${(err as Error).message}`);
  }
  const entries = importEntries(raw, trimKey(flag(parsed.flags, 'prefix') ?? ''));
  if (typeof entries === 'string') return fail(io, entries);
  const bar = countProgress('Importing', entries.length, io);
  try {
    for (const batch of batches(entries)) {
      const failed = await writeBatch(parsed.api, batch);
      if (failed !== undefined) return fail(io, failed);
      io.out(batch.map((e) => `Imported: ${e.key}\n`).join(''));
      bar.tick(batch.length);
    }
  } finally {
    bar.stop();
  }
  return 0;
}

function* batches(entries: readonly ExportEntry[]): Generator<ExportEntry[]> {
  let batch: ExportEntry[] = [];
  let bytes = 0;
  for (const e of entries) {
    const size = e.key.length + e.value.length + 64;
    if (batch.length > 0 && (batch.length >= IMPORT_BATCH_OPS || bytes + size > IMPORT_BATCH_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(e);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}

/**
 * One batch as one transaction (a lone entry, perhaps a large value, as a plain PUT). Returns
 * Consul's error line on failure.
 */
async function writeBatch(api: HttpApi, batch: readonly ExportEntry[]): Promise<string | undefined> {
  const [first] = batch;
  try {
    if (batch.length === 1 && first !== undefined) {
      await api.json<boolean>('PUT', kvPath(first.key), { params: { flags: first.flags }, body: new Uint8Array(decode(first.value)) });
      return undefined;
    }
    const ops = batch.map((e) => ({ KV: { Verb: 'set', Key: e.key, Flags: e.flags, Value: e.value === '' ? null : e.value } }));
    await api.request('PUT', '/v1/txn', { body: toJson(ops, 0) });
    return undefined;
  } catch (err) {
    return `Error! Failed writing data for key ${first?.key ?? ''}: ${describeError(err)}`;
  }
}
