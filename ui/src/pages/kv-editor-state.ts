// The key editor's state and its check-and-set writes: the entry as loaded (its ModifyIndex is
// the CAS token), the form's text, mode and flags, and the outcome of the last save or delete.
import { useEffect, useState } from 'preact/hooks';
import { api, encodePath } from '../api.ts';
import { navigate } from '../router.tsx';
import type { KvEntry } from '../types.ts';
import { decodeValue, guessMode, parseFlags, validateValue, type ValueMode } from '../value-modes.ts';
import type { Conflict } from './kv-parts.tsx';

export type ApiError = { readonly status: number; readonly message: string };

export const parentOf = (key: string): string => key.slice(0, key.lastIndexOf('/') + 1);

async function readEntry(key: string): Promise<KvEntry | null | ApiError> {
  const result = await api<KvEntry[] | null>(`/v1/kv/${encodePath(key)}`, { notFound: null });
  if (!result.ok) return { status: result.status, message: result.message };
  return result.value?.[0] ?? null;
}

const isError = (read: KvEntry | null | ApiError): read is ApiError => read !== null && 'status' in read && !('Key' in read);

export function useKeyEditor(keyName: string, creating: boolean) {
  /** undefined while loading; null when the key does not exist (or is being created). */
  const [entry, setEntry] = useState<KvEntry | null | undefined>(creating ? null : undefined);
  const [error, setError] = useState<ApiError | undefined>();
  const [text, setText] = useState('');
  const [mode, setMode] = useState<ValueMode>('plain');
  const [flags, setFlags] = useState('0');
  const [binaryBytes, setBinaryBytes] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);

  const load = async (): Promise<void> => {
    const read = await readEntry(keyName);
    if (isError(read)) return setError(read);
    setEntry(read);
    setConflict(null);
    if (read === null) return;
    const decoded = decodeValue(read.Value);
    setBinaryBytes(decoded.kind === 'binary' ? decoded.bytes : null);
    const value = decoded.kind === 'text' ? decoded.text : '';
    setText(value);
    setMode(guessMode(value));
    setFlags(String(read.Flags));
  };
  useEffect(() => {
    if (!creating) void load();
  }, [keyName, creating]);

  const loadedIndex = entry === undefined ? undefined : (entry?.ModifyIndex ?? 0);
  const validation = validateValue(mode, text);
  const parsedFlags = parseFlags(flags);

  const reportConflict = async (action: Conflict['action']): Promise<void> => {
    const current = await readEntry(keyName);
    const now = current === null ? null : isError(current) ? null : current.ModifyIndex;
    setConflict({ action, yours: loadedIndex ?? 0, now, creating });
  };

  /** PUT ?cas=<index loaded> (0 creates only if absent); `false` back means someone else wrote. */
  const save = async (cas = loadedIndex ?? 0): Promise<void> => {
    if (validation !== null || parsedFlags === null) return;
    setNotice(null);
    const result = await api<boolean>(`/v1/kv/${encodePath(keyName)}`, { method: 'PUT', query: { cas, flags: parsedFlags }, body: text });
    if (!result.ok) return setError({ status: result.status, message: result.message });
    if (result.value !== true) return reportConflict('save');
    setError(undefined);
    if (creating) return navigate(`kv/${keyName}`, true);
    await load();
    setNotice('Saved.');
  };

  const remove = async (): Promise<void> => {
    const result = await api<boolean>(`/v1/kv/${encodePath(keyName)}`, { method: 'DELETE', query: { cas: loadedIndex ?? 0 } });
    if (!result.ok) return setError({ status: result.status, message: result.message });
    if (result.value !== true) return reportConflict('delete');
    navigate(`kv/${parentOf(keyName)}`);
  };

  return {
    entry, error, text, setText, mode, setMode, flags, setFlags, binaryBytes, notice, conflict,
    loadedIndex, validation, parsedFlags, load, save, remove,
  };
}

export type KeyEditor = ReturnType<typeof useKeyEditor>;
