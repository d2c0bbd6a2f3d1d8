// One key: view and edit its value (plain, JSON or YAML, validated), its flags and its lock
// holder. Saves and deletes are check-and-set on the ModifyIndex the editor loaded, so a
// concurrent change is reported as a conflict instead of being overwritten (kv-editor-state.ts).
import { useEffect, useState } from 'preact/hooks';
import { api, encodePath } from '../api.ts';
import { useBlocking } from '../blocking.ts';
import { ErrorBox, Loading, Page } from '../components.tsx';
import { Link } from '../router.tsx';
import type { KvEntry, Session } from '../types.ts';
import { parentOf, useKeyEditor } from './kv-editor-state.ts';
import { ConflictNotice, DeleteConfirm, ValueForm } from './kv-parts.tsx';

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

/** Watches the key while the editor is open, to warn before a save would conflict. */
function ChangedElsewhere({ keyName, loadedIndex }: { keyName: string; loadedIndex: number }) {
  const latest = useBlocking<KvEntry[] | null>(`/v1/kv/${encodePath(keyName)}`, {}, null);
  if (latest.data === undefined) return null;
  const latestIndex = latest.data?.[0]?.ModifyIndex ?? 0;
  if (latestIndex === loadedIndex) return null;
  return (
    <p class="warning" role="status">
      This key has changed since you opened it (ModifyIndex {loadedIndex} → {latestIndex}). Saving now will report a conflict.
    </p>
  );
}

export function KvEditorPage({ keyName, creating }: { keyName: string; creating: boolean }) {
  const editor = useKeyEditor(keyName, creating);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const { entry, conflict } = editor;
  const parent = parentOf(keyName);
  const title = creating ? `New key ${keyName}` : `Key ${keyName}`;
  const back = <Link to={`kv/${parent}`}>Back to {parent === '' ? 'root' : parent}</Link>;
  if (entry === undefined || (entry === null && !creating)) {
    return (
      <Page title={title} actions={back}>
        <ErrorBox error={editor.error} />
        {entry === null ? <p>This key does not exist (it may have been deleted).</p> : editor.error === undefined && <Loading what="the key" />}
      </Page>
    );
  }
  return (
    <Page title={title} actions={back}>
      <ErrorBox error={editor.error} />
      {conflict !== null && (
        <ConflictNotice conflict={conflict} keyName={keyName} onReload={() => void editor.load()} onOverwrite={() => void editor.save(conflict.now ?? 0)} />
      )}
      {conflict === null && editor.loadedIndex !== undefined && <ChangedElsewhere keyName={keyName} loadedIndex={editor.loadedIndex} />}
      {entry !== null && entry.Session !== undefined && entry.Session !== '' && <LockHolder session={entry.Session} />}
      {entry !== null && (
        <p class="muted">
          ModifyIndex {entry.ModifyIndex} · CreateIndex {entry.CreateIndex} · LockIndex {entry.LockIndex}
        </p>
      )}
      {editor.binaryBytes !== null ? (
        <p>This value is binary ({editor.binaryBytes} bytes); edit it with the API or the CLI.</p>
      ) : (
        <ValueForm editor={editor} creating={creating} onDelete={entry !== null && !confirmDelete ? () => setConfirmDelete(true) : undefined} />
      )}
      {entry !== null && confirmDelete && (
        <DeleteConfirm
          what={keyName}
          onConfirm={() => {
            setConfirmDelete(false);
            void editor.remove();
          }}
          onCancel={() => setConfirmDelete(false)}
        />
      )}
    </Page>
  );
}
