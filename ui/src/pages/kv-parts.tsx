// Pieces of the key editor: the value-format chooser and the conflict notice.
import type { ValueMode } from '../value-modes.ts';

const MODE_LABEL: Readonly<Record<ValueMode, string>> = { plain: 'Plain text', json: 'JSON', yaml: 'YAML' };

export function ModeChooser({ mode, modes, onChange }: { mode: ValueMode; modes: readonly ValueMode[]; onChange: (mode: ValueMode) => void }) {
  return (
    <fieldset class="modes">
      <legend>Value format (checked before saving)</legend>
      {modes.map((m) => (
        <label key={m}>
          <input type="radio" name="kv-mode" value={m} checked={mode === m} onChange={() => onChange(m)} /> {MODE_LABEL[m]}
        </label>
      ))}
    </fieldset>
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

export function ConflictNotice({ conflict, keyName, onReload, onOverwrite }: { conflict: Conflict; keyName: string; onReload: () => void; onOverwrite: (event: Event) => void }) {
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
