// Pieces of the key editor: the value form with its format chooser, the delete confirmation and
// the conflict notice.
import type { KeyEditor } from './kv-editor-state.ts';
import { VALUE_MODES, type ValueMode } from '../value-modes.ts';

const MODE_LABEL: Readonly<Record<ValueMode, string>> = { plain: 'Plain text', json: 'JSON', yaml: 'YAML' };

function ModeChooser({ mode, onChange }: { mode: ValueMode; onChange: (mode: ValueMode) => void }) {
  return (
    <fieldset class="modes">
      <legend>Value format (checked before saving)</legend>
      {VALUE_MODES.map((m) => (
        <label key={m}>
          <input type="radio" name="kv-mode" value={m} checked={mode === m} onChange={() => onChange(m)} /> {MODE_LABEL[m]}
        </label>
      ))}
    </fieldset>
  );
}

export function ValueForm({ editor, creating, onDelete }: { editor: KeyEditor; creating: boolean; onDelete: (() => void) | undefined }) {
  const { validation, parsedFlags, mode } = editor;
  const submit = (event: Event): void => {
    event.preventDefault();
    void editor.save();
  };
  return (
    <form class="editor" onSubmit={submit}>
      <ModeChooser mode={mode} onChange={editor.setMode} />
      <label for="kv-value">Value</label>
      <textarea id="kv-value" rows={12} spellcheck={false} value={editor.text} onInput={(e) => editor.setText(e.currentTarget.value)} aria-invalid={validation !== null} aria-describedby="kv-value-help" />
      <p id="kv-value-help" class={validation === null ? 'muted' : 'error'} role={validation === null ? undefined : 'alert'}>
        {validation ?? (mode === 'plain' ? 'Stored exactly as typed.' : `Valid ${MODE_LABEL[mode]}.`)}
      </p>
      <label for="kv-flags">Flags</label>
      <input id="kv-flags" inputMode="numeric" value={editor.flags} onInput={(e) => editor.setFlags(e.currentTarget.value)} aria-invalid={parsedFlags === null} aria-describedby="kv-flags-help" />
      <p id="kv-flags-help" class={parsedFlags === null ? 'error' : 'muted'}>
        {parsedFlags === null ? 'Flags must be a non-negative integer.' : 'An opaque number stored with the key.'}
      </p>
      <div class="buttons">
        <button type="submit" disabled={validation !== null || parsedFlags === null}>
          {creating ? 'Create' : 'Save'}
        </button>
        {onDelete !== undefined && (
          <button type="button" class="danger" onClick={onDelete}>
            Delete…
          </button>
        )}
      </div>
      {editor.notice !== null && (
        <p class="ok" role="status">
          {editor.notice}
        </p>
      )}
    </form>
  );
}

export function DeleteConfirm({ what, onConfirm, onCancel }: { what: string; onConfirm: () => void; onCancel: () => void }) {
  return (
    <div class="confirm" role="alertdialog" aria-labelledby="confirm-text">
      <p id="confirm-text">Delete {what}? This cannot be undone.</p>
      <button type="button" class="danger" onClick={onConfirm} autoFocus>
        Delete the key
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

export interface Conflict {
  readonly action: 'save' | 'delete';
  /** The ModifyIndex the editor loaded (0 when creating). */
  readonly yours: number;
  /** The key's ModifyIndex now; null when it no longer exists. */
  readonly now: number | null;
  readonly creating: boolean;
}

function explain(c: Conflict, keyName: string): string {
  const verb = c.action === 'save' ? 'saved' : 'deleted';
  if (c.creating) return `Conflict: not created — a key named ${keyName} already exists (ModifyIndex ${c.now ?? '?'}).`;
  if (c.now === null) return `Conflict: not ${verb} — ${keyName} was deleted by someone else after you opened it.`;
  return `Conflict: not ${verb} — ${keyName} was changed by someone else after you opened it (you loaded ModifyIndex ${c.yours}, it is now ${c.now}). Your edit is still in the form.`;
}

export function ConflictNotice({ conflict, keyName, onReload, onOverwrite }: { conflict: Conflict; keyName: string; onReload: () => void; onOverwrite: () => void }) {
  return (
    <div class="conflict" role="alert" data-conflict="true">
      <p>{explain(conflict, keyName)}</p>
      <div class="buttons">
        <button type="button" onClick={onReload}>
          Load the current value (discard my edit)
        </button>
        {conflict.action === 'save' && (
          <button type="button" class="danger" onClick={onOverwrite}>
            Save mine over it
          </button>
        )}
      </div>
    </div>
  );
}
