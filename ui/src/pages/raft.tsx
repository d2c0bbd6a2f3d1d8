// Raft peers and autopilot health: leader, voters, last contact and how far each server's log
// trails the leader's; and the snapshot download. These endpoints do not block in Consul, so
// the page reads them on demand (a Refresh button) rather than on a timer.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ErrorBox, Loading, Page } from '../components.tsx';
import { currentToken } from '../token.ts';
import type { AutopilotHealth, RaftServer } from '../types.ts';

interface RaftView {
  readonly leader: string;
  readonly servers: readonly RaftServer[];
  readonly health: AutopilotHealth | null;
  readonly readAt: string;
}

function parseHealth(body: string): AutopilotHealth | null {
  try {
    return JSON.parse(body) as AutopilotHealth;
  } catch {
    return null;
  }
}

async function readRaft(): Promise<RaftView | { status: number; message: string }> {
  const [leader, config, health] = await Promise.all([
    api<string>('/v1/status/leader'),
    api<{ Servers: RaftServer[] }>('/v1/operator/raft/configuration'),
    api<AutopilotHealth>('/v1/operator/autopilot/health'),
  ]);
  if (!config.ok) return config;
  // Autopilot answers 429 while the cluster is unhealthy, with the same body.
  const autopilot = health.ok ? health.value : health.status === 429 ? parseHealth(health.message) : null;
  return { leader: leader.ok ? leader.value : '', servers: config.value.Servers, health: autopilot, readAt: new Date().toLocaleTimeString() };
}

/** The snapshot is fetched with the token header, then handed to the browser as a file. */
async function downloadSnapshot(setError: (e: { status: number; message: string }) => void): Promise<void> {
  const headers: Record<string, string> = currentToken() === '' ? {} : { 'X-Consul-Token': currentToken() };
  const response = await fetch('/v1/snapshot', { headers });
  if (!response.ok) return setError({ status: response.status, message: (await response.text()).trim() });
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = `cairn-${new Date().toISOString().replace(/[:.]/g, '-')}.snap`;
  link.click();
  URL.revokeObjectURL(url);
}

function ServersTable({ view }: { view: RaftView }) {
  const byId = new Map((view.health?.Servers ?? []).map((s) => [s.ID, s]));
  const leaderIndex = view.health?.Servers.find((s) => s.Leader)?.LastIndex;
  return (
    <table>
      <caption class="sr-only">Raft servers with autopilot health</caption>
      <thead>
        <tr>
          <th scope="col">Server</th>
          <th scope="col">Address</th>
          <th scope="col">Role</th>
          <th scope="col">Voter</th>
          <th scope="col">Healthy</th>
          <th scope="col">Last contact</th>
          <th scope="col">Last index</th>
          <th scope="col">Index lag</th>
        </tr>
      </thead>
      <tbody>
        {view.servers.map((s) => {
          const h = byId.get(s.ID);
          const lag = h === undefined || leaderIndex === undefined ? undefined : Math.max(0, leaderIndex - h.LastIndex);
          return (
            <tr key={s.ID} data-server={s.Node}>
              <th scope="row">{s.Node}</th>
              <td>{s.Address}</td>
              <td>{s.Leader ? <strong>leader</strong> : 'follower'}</td>
              <td>{s.Voter ? 'yes' : 'no'}</td>
              <td>{h === undefined ? '—' : h.Healthy ? 'healthy' : <strong class="error-text">unhealthy</strong>}</td>
              <td>{h?.LastContact ?? '—'}</td>
              <td>{h?.LastIndex ?? s.LastIndex ?? '—'}</td>
              <td>{lag ?? '—'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function RaftPage() {
  const [view, setView] = useState<RaftView | undefined>();
  const [error, setError] = useState<{ status: number; message: string } | undefined>();
  const refresh = async (): Promise<void> => {
    const read = await readRaft();
    if ('status' in read) return setError(read);
    setError(undefined);
    setView(read);
  };
  useEffect(() => void refresh(), []);
  const actions = (
    <div class="buttons">
      <button type="button" onClick={() => void refresh()}>
        Refresh
      </button>
      <button type="button" onClick={() => void downloadSnapshot(setError)}>
        Download snapshot
      </button>
    </div>
  );
  return (
    <Page title="Raft and autopilot" actions={actions}>
      <ErrorBox error={error} />
      {view === undefined ? (
        <Loading what="the Raft configuration" />
      ) : (
        <>
          <dl class="facts">
            <dt>Leader</dt>
            <dd>{view.leader === '' ? 'none (no quorum?)' : view.leader}</dd>
            <dt>Autopilot</dt>
            <dd>
              {view.health === null ? 'unknown' : view.health.Healthy ? 'healthy' : 'unhealthy'}
              {view.health !== null && `, failure tolerance ${view.health.FailureTolerance}`}
            </dd>
            <dt>Read at</dt>
            <dd>{view.readAt}</dd>
          </dl>
          <ServersTable view={view} />
        </>
      )}
    </Page>
  );
}
