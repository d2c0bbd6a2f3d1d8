// The key/value browser: one folder (keys split at "/") at a time, live through a blocking
// ?keys&separator=/ listing, with a form to create a key or a folder in it.
import { useState } from 'preact/hooks';
import { api, encodePath } from '../api.ts';
import { useBlocking } from '../blocking.ts';
import { ErrorBox, Loading, Page } from '../components.tsx';
import { Link, navigate } from '../router.tsx';

/** The breadcrumb trail of a folder: "a/b/" → ["", "a/", "a/b/"]. */
function crumbs(prefix: string): string[] {
  const parts = prefix.split('/').filter((p) => p !== '');
  return ['', ...parts.map((_p, i) => `${parts.slice(0, i + 1).join('/')}/`)];
}

function Breadcrumbs({ prefix }: { prefix: string }) {
  const trail = crumbs(prefix);
  return (
    <nav aria-label="Folder">
      <ol class="crumbs">
        {trail.map((p, i) => (
          <li key={p}>
            {i === trail.length - 1 ? (
              <span aria-current="page">{p === '' ? 'root' : p.slice(0, -1).split('/').pop()}</span>
            ) : (
              <Link to={`kv/${p}`}>{p === '' ? 'root' : p.slice(0, -1).split('/').pop()}</Link>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}

function CreateForm({ prefix }: { prefix: string }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (name === '' || name.startsWith('/')) return setError('Give the key a name (it may not start with "/").');
    const key = prefix + name;
    if (!key.endsWith('/')) return navigate(`kv/${key}?new`);
    // A folder is a key ending in "/", created only if it does not exist yet (cas=0).
    const result = await api<boolean>(`/v1/kv/${encodePath(key)}`, { method: 'PUT', query: { cas: 0 }, body: '' });
    if (!result.ok) return setError(result.message);
    navigate(`kv/${key}`);
  };
  return (
    <form class="inline-form" onSubmit={(e) => void submit(e)}>
      <label for="kv-new-name">New key or folder (end with / for a folder)</label>
      <input id="kv-new-name" value={name} onInput={(e) => setName(e.currentTarget.value)} aria-describedby={error === null ? undefined : 'kv-new-error'} />
      <button type="submit">Create</button>
      {error !== null && (
        <p id="kv-new-error" class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** Deletes a folder with everything under it (a recursive delete has no CAS in Consul). */
function DeleteFolder({ prefix }: { prefix: string }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<{ status: number; message: string } | undefined>();
  const remove = async (): Promise<void> => {
    const result = await api<boolean>(`/v1/kv/${encodePath(prefix)}`, { method: 'DELETE', query: { recurse: true } });
    if (!result.ok) return setError({ status: result.status, message: result.message });
    navigate(`kv/${prefix.slice(0, prefix.slice(0, -1).lastIndexOf('/') + 1)}`);
  };
  if (!confirming) {
    return (
      <button type="button" class="danger" onClick={() => setConfirming(true)}>
        Delete folder…
      </button>
    );
  }
  return (
    <div class="confirm" role="alertdialog" aria-labelledby="confirm-folder">
      <ErrorBox error={error} />
      <p id="confirm-folder">Delete {prefix} and every key under it? This cannot be undone.</p>
      <button type="button" class="danger" onClick={() => void remove()} autoFocus>
        Delete the folder
      </button>
      <button type="button" onClick={() => setConfirming(false)}>
        Cancel
      </button>
    </div>
  );
}

export function KvFolderPage({ prefix }: { prefix: string }) {
  const live = useBlocking<string[]>(`/v1/kv/${encodePath(prefix)}`, { keys: true, separator: '/' }, []);
  const children = (live.data ?? []).filter((k) => k !== prefix).sort();
  return (
    <Page title="Key / value" actions={prefix === '' ? undefined : <DeleteFolder prefix={prefix} />}>
      <Breadcrumbs prefix={prefix} />
      <ErrorBox error={live.error} />
      <CreateForm prefix={prefix} />
      {live.data === undefined ? (
        <Loading what="keys" />
      ) : children.length === 0 ? (
        <p class="muted">No keys here yet.</p>
      ) : (
        <ul class="kv-list" aria-label={`Keys in ${prefix === '' ? 'the root' : prefix}`}>
          {children.map((key) => (
            <li key={key} class={key.endsWith('/') ? 'folder' : 'key'}>
              <Link to={`kv/${key}`}>{key.slice(prefix.length)}</Link>
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}
