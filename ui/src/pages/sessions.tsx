// Sessions: every session (the lock holders of KV keys), live, with a destroy action.
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useBlocking } from '../blocking.ts';
import { ErrorBox, Loading, Page } from '../components.tsx';
import { Link } from '../router.tsx';
import type { Session } from '../types.ts';

const checksOf = (s: Session): string => [...(s.NodeChecks ?? []), ...(s.ServiceChecks ?? []).map((c) => c.ID)].join(', ') || '—';

export function SessionsPage() {
  const live = useBlocking<Session[]>('/v1/session/list');
  const [error, setError] = useState<{ status: number; message: string } | undefined>();
  const destroy = async (id: string): Promise<void> => {
    const result = await api<boolean>(`/v1/session/destroy/${encodeURIComponent(id)}`, { method: 'PUT' });
    setError(result.ok ? undefined : { status: result.status, message: result.message });
  };
  return (
    <Page title="Sessions">
      <ErrorBox error={error ?? live.error} />
      {live.data === undefined ? (
        <Loading what="sessions" />
      ) : live.data.length === 0 ? (
        <p class="muted">No sessions.</p>
      ) : (
        <table>
          <caption class="sr-only">Sessions; destroying one releases the locks it holds</caption>
          <thead>
            <tr>
              <th scope="col">ID</th>
              <th scope="col">Name</th>
              <th scope="col">Node</th>
              <th scope="col">Behavior</th>
              <th scope="col">TTL</th>
              <th scope="col">Lock delay</th>
              <th scope="col">Checks</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {live.data.map((s) => (
              <tr key={s.ID} id={`session-${s.ID}`}>
                <th scope="row" class="mono">
                  {s.ID}
                </th>
                <td>{s.Name === '' ? <span class="muted">—</span> : s.Name}</td>
                <td>
                  <Link to={`nodes/${s.Node}`}>{s.Node}</Link>
                </td>
                <td>{s.Behavior}</td>
                <td>{s.TTL === '' ? '—' : s.TTL}</td>
                <td>{s.LockDelay / 1e9}s</td>
                <td>{checksOf(s)}</td>
                <td>
                  <button type="button" class="danger small" onClick={() => void destroy(s.ID)} aria-label={`Destroy session ${s.ID}`}>
                    Destroy
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}
