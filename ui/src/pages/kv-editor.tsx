// One key: view and edit its value (plain, JSON or YAML, validated), its flags and its lock
// holder. Saves and deletes are check-and-set on the ModifyIndex the editor loaded, so a
// concurrent change is reported as a conflict instead of being overwritten.
import { useEffect, useState } from 'preact/hooks';
import { api, encodePath } from '../api.ts';
import { useBlocking } from '../blocking.ts';
import { ErrorBox, Loading, Page } from '../components.tsx';
import { Link, navigate } from '../router.tsx';
import type { KvEntry, Session } from '../types.ts';
import { decodeValue, guessMode, parseFlags, validateValue, VALUE_MODES, type ValueMode } from '../value-modes.ts';
import { ModeChooser, ConflictNotice, type Conflict } from './kv-parts.tsx';

const parentOf = (key: string): string => key.slice(0, key.lastIndexOf('/') + 1);

async function readEntry(key: string): Promise<KvEntry | null | { status: number; message: string }> {
  const result = await api<KvEntry[] | null>(`/v1/kv/${encodePath(key)}`, { notFound: null });
  if (!result.ok) return { status: result.status, message: result.message };
  return result.value?.[0] ?? null;
}

function LockHolder({ session }: { session: string }) {
  const [info, setInfo] = useState<Session | null>(null);
  useEffect(() => {
    void api<Session[]>(`/v1/session/info/${encodeURIComponent(session)}`).then((r) => setInfo(r.ok ? (r.value[0] ?? null) : null));
  }, [session]);
  return (
    <p class="lock" data-lock-holder={session}>
      Locked by session <Link to="sessions">{session}</Link>
      {info !== null && ` (${info.Name === '' ? 'unnamed' : info.Name} on node ${info.Node})`}
    </p>
  );
}

export function KvEditorPage({ keyName, creating }: { keyName: string; creating: boolean }) {
  const [entry, setEntry] = useState<KvEntry | null | undefined>(creating ? null : undefined);
  const [loadError, setLoadError] = useState<{ status: number; message: string } | undefined>();
  const [text, setText] = useState('');
  const [mode, setMode] = useState<ValueMode>('plain');
  const [flags, setFlags] = useState('0');
  const [binary, setBinary] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);

  const load = async (): Promise<void> => {
    const read = await readEntry(keyName);
    if (read !== null && 'status' in read) return setLoadError(read);
    setEntry(read);
    setConflict(null);
    if (read === null) return;
    const decoded = decodeValue(read.Value);
    setBinary(decoded.kind === 'binary' ? decoded.bytes : null);
    const value = decoded.kind === 'text' ? decoded.text : '';
    setText(value);
    setMode(guessMode(value));
    setFlags(String(read.Flags));
  };
  useEffect(() => {
    if (!creating) void load();
  }, [keyName, creating]);

  // Watches the key while the editor is open, to warn before a save would conflict.
  const latest = useBlocking<KvEntry[] | null>(`/v1/kv/${encodePath(keyName)}`, {}, null);
  const latestIndex = latest.data === undefined ? undefined : (latest.data?.[0]?.ModifyIndex ?? 0);
  const loadedIndex = entry === undefined ? undefined : (entry?.ModifyIndex ?? 0);
  const changedElsewhere = latestIndex !== undefined && loadedIndex !== undefined && latestIndex !== loadedIndex && conflict === null;

  const validation = validateValue(mode, text);
  const parsedFlags = parseFlags(flags);
  const exists = entry !== null && entry !== undefined;

  const save = async (event: Event, cas = loadedIndex ?? 0): Promise<void> => {
    event.preventDefault();
    if (validation !== null || parsedFlags === null) return;
    setNotice(null);
    const result = await api<boolean>(`/v1/kv/${encodePath(keyName)}`, { method: 'PUT', query: { cas, flags: parsedFlags }, body: text });
    if (!result.ok) return setLoadError({ status: result.status, message: result.message });
    if (result.value !== true) return reportConflict('save');
    setLoadError(undefined);
    if (creating) return navigate(`kv/${keyName}`, true);
    await load();
    setNotice('Saved.');
  };

  const remove = async (): Promise<void> => {
    const result = await api<boolean>(`/v1/kv/${encodePath(keyName)}`, { method: 'DELETE', query: { cas: loadedIndex ?? 0 } });
    setConfirmDelete(false);
    if (!result.ok) return setLoadError({ status: result.status, message: result.message });
    if (result.value !== true) return reportConflict('delete');
    navigate(`kv/${parentOf(keyName)}`);
  };

  const reportConflict = async (action: 'save' | 'delete'): Promise<void> => {
    const current = await readEntry(keyName);
    const now = current === null ? null : 'status' in current ? undefined : current.ModifyIndex;
    setConflict({ action, yours: loadedIndex ?? 0, now: now ?? null, creating });
  };

  const title = creating ? `New key ${keyName}` : `Key ${keyName}`;
  const back = <Link to={`kv/${parentOf(keyName)}`}>Back to {parentOf(keyName) === '' ? 'root' : parentOf(keyName)}</Link>;
  if (entry === undefined) {
    return (
      <Page title={title} actions={back}>
        <ErrorBox error={loadError} />
        {loadError === undefined && <Loading what="the key" />}
      </Page>
    );
  }
  if (entry === null && !creating) {
    return (
      <Page title={title} actions={back}>
        <p>This key does not exist (it may have been deleted).</p>
      </Page>
    );
  }
  return (
    <Page title={title} actions={back}>
      <ErrorBox error={loadError} />
      {conflict !== null && <ConflictNotice conflict={conflict} keyName={keyName} onReload={() => void load()} onOverwrite={(e) => void save(e, conflict.now ?? 0)} />}
      {changedElsewhere && (
        <p class="warning" role="status">
          This key has changed since you opened it (ModifyIndex {loadedIndex} → {latestIndex}). Saving now will report a conflict.
        </p>
      )}
      {exists && entry.Session !== undefined && entry.Session !== '' && <LockHolder session={entry.Session} />}
      {exists && (
        <p class="muted">
          ModifyIndex {entry.ModifyIndex} · CreateIndex {entry.CreateIndex} · LockIndex {entry.LockIndex}
        </p>
      )}
      {binary !== null ? (
        <p>This value is binary ({binary} bytes); edit it with the API or the CLI.</p>
      ) : (
        <form class="editor" onSubmit={(e) => void save(e)}>
          <ModeChooser mode={mode} modes={VALUE_MODES} onChange={setMode} />
          <label for="kv-value">Value</label>
          <textarea id="kv-value" rows={12} spellcheck={false} value={text} onInput={(e) => setText(e.currentTarget.value)} aria-invalid={validation !== null} aria-describedby="kv-value-help" />
          <p id="kv-value-help" class={validation === null ? 'muted' : 'error'} role={validation === null ? undefined : 'alert'}>
            {validation ?? (mode === 'plain' ? 'Stored exactly as typed.' : `Valid ${mode === 'json' ? 'JSON' : 'YAML'}.`)}
          </p>
          <label for="kv-flags">Flags</label>
          <input id="kv-flags" inputMode="numeric" value={flags} onInput={(e) => setFlags(e.currentTarget.value)} aria-invalid={parsedFlags === null} aria-describedby="kv-flags-help" />
          <p id="kv-flags-help" class={parsedFlags === null ? 'error' : 'muted'}>
            {parsedFlags === null ? 'Flags must be a non-negative integer.' : 'An opaque number stored with the key.'}
          </p>
          <div class="buttons">
            <button type="submit" disabled={validation !== null || parsedFlags === null}>
              {creating ? 'Create' : 'Save'}
            </button>
            {exists && !confirmDelete && (
              <button type="button" class="danger" onClick={() => setConfirmDelete(true)}>
                Delete…
              </button>
            )}
          </div>
          {notice !== null && (
            <p class="ok" role="status">
              {notice}
            </p>
          )}
        </form>
      )}
      {exists && confirmDelete && (
        <div class="confirm" role="alertdialog" aria-labelledby="confirm-text">
          <p id="confirm-text">Delete {keyName}? This cannot be undone.</p>
          <button type="button" class="danger" onClick={() => void remove()} autoFocus>
            Delete the key
          </button>
          <button type="button" onClick={() => setConfirmDelete(false)}>
            Cancel
          </button>
        </div>
      )}
    </Page>
  );
}
