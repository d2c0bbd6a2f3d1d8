// ACL tokens, policies and roles (read-only lists, live). When ACLs are off the page says so;
// when the session has no usable token it asks for one.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useBlocking } from '../blocking.ts';
import { ErrorBox, Loading, Page } from '../components.tsx';
import { Link } from '../router.tsx';
import { useToken } from '../token.ts';
import type { AclLink, AclPolicy, AclRole, AclToken } from '../types.ts';

export type AclTab = 'tokens' | 'policies' | 'roles';
const TABS: readonly AclTab[] = ['tokens', 'policies', 'roles'];

const names = (links: readonly AclLink[] | null | undefined): string => (links ?? []).map((l) => l.Name).join(', ') || '—';

function TokensTable() {
  const live = useBlocking<AclToken[]>('/v1/acl/tokens');
  if (live.data === undefined) return live.error === undefined ? <Loading what="tokens" /> : <ErrorBox error={live.error} />;
  return (
    <table>
      <caption class="sr-only">ACL tokens (secrets are never listed)</caption>
      <thead>
        <tr>
          <th scope="col">AccessorID</th>
          <th scope="col">Description</th>
          <th scope="col">Policies</th>
          <th scope="col">Roles</th>
          <th scope="col">Scope</th>
        </tr>
      </thead>
      <tbody>
        {live.data.map((t) => (
          <tr key={t.AccessorID}>
            <th scope="row" class="mono">
              {t.AccessorID}
            </th>
            <td>{t.Description}</td>
            <td>{names(t.Policies)}</td>
            <td>{names(t.Roles)}</td>
            <td>{t.Local ? 'local' : 'global'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function PoliciesTable() {
  const live = useBlocking<AclPolicy[]>('/v1/acl/policies');
  if (live.data === undefined) return live.error === undefined ? <Loading what="policies" /> : <ErrorBox error={live.error} />;
  return (
    <table>
      <caption class="sr-only">ACL policies</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Description</th>
          <th scope="col">Datacenters</th>
          <th scope="col">ID</th>
        </tr>
      </thead>
      <tbody>
        {live.data.map((p) => (
          <tr key={p.ID}>
            <th scope="row">{p.Name}</th>
            <td>{p.Description}</td>
            <td>{(p.Datacenters ?? []).join(', ') || 'all'}</td>
            <td class="mono">{p.ID}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RolesTable() {
  const live = useBlocking<AclRole[]>('/v1/acl/roles');
  if (live.data === undefined) return live.error === undefined ? <Loading what="roles" /> : <ErrorBox error={live.error} />;
  return (
    <table>
      <caption class="sr-only">ACL roles</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Description</th>
          <th scope="col">Policies</th>
          <th scope="col">ID</th>
        </tr>
      </thead>
      <tbody>
        {live.data.map((r) => (
          <tr key={r.ID}>
            <th scope="row">{r.Name}</th>
            <td>{r.Description}</td>
            <td>{names(r.Policies)}</td>
            <td class="mono">{r.ID}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

type AclState = { kind: 'loading' } | { kind: 'disabled' } | { kind: 'login'; message: string } | { kind: 'ready'; self: AclToken };

export function AclPage({ tab }: { tab: AclTab }) {
  const [state, setState] = useState<AclState>({ kind: 'loading' });
  const token = useToken();
  useEffect(() => {
    setState({ kind: 'loading' });
    void api<AclToken>('/v1/acl/token/self').then((r) => {
      if (r.ok) setState({ kind: 'ready', self: r.value });
      else if (r.status === 401) setState({ kind: 'disabled' });
      else setState({ kind: 'login', message: r.message });
    });
  }, [token]);
  if (state.kind === 'loading') return <Page title="Access control">{<Loading what="ACL status" />}</Page>;
  if (state.kind === 'disabled') {
    return (
      <Page title="Access control">
        <p>ACLs are disabled on this agent: every request is allowed, and there are no tokens, policies or roles to show.</p>
      </Page>
    );
  }
  if (state.kind === 'login') {
    return (
      <Page title="Access control">
        <p>
          ACLs are enabled and this tab has no usable token ({state.message}). <Link to="login">Log in with a token</Link>.
        </p>
      </Page>
    );
  }
  return (
    <Page title="Access control">
      <p class="muted">
        Logged in as token {state.self.AccessorID}
        {state.self.Description === '' ? '' : ` (${state.self.Description})`}.
      </p>
      <nav aria-label="ACL lists">
        <ul class="tabs">
          {TABS.map((t) => (
            <li key={t}>
              <Link to={`acl/${t}`} aria-current={t === tab ? 'page' : undefined}>
                {t[0]?.toUpperCase() + t.slice(1)}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {tab === 'tokens' ? <TokensTable /> : tab === 'policies' ? <PoliciesTable /> : <RolesTable />}
    </Page>
  );
}
