// The shell: skip link, navigation, the login state, and the page for the current route.
// Focus moves to the new page's heading on navigation, so keyboard and screen-reader users
// land where the content changed.
import { useEffect, useRef } from 'preact/hooks';
import { AclPage, type AclTab } from './pages/acl.tsx';
import { KvEditorPage } from './pages/kv-editor.tsx';
import { KvFolderPage } from './pages/kv.tsx';
import { LoginPage } from './pages/login.tsx';
import { NodePage, NodesPage } from './pages/nodes.tsx';
import { RaftPage } from './pages/raft.tsx';
import { ServicePage, ServicesPage } from './pages/services.tsx';
import { SessionsPage } from './pages/sessions.tsx';
import { Link, navigate, useRoute } from './router.tsx';
import { setToken, useToken } from './token.ts';

const SECTIONS = [
  { to: 'services', label: 'Services' },
  { to: 'nodes', label: 'Nodes' },
  { to: 'kv/', label: 'Key / value' },
  { to: 'sessions', label: 'Sessions' },
  { to: 'acl/tokens', label: 'ACL' },
  { to: 'raft', label: 'Raft' },
] as const;

function page(route: string) {
  const q = route.indexOf('?');
  const path = q === -1 ? route : route.slice(0, q);
  const search = new URLSearchParams(q === -1 ? '' : route.slice(q + 1));
  const [section = '', ...rest] = path.split('/');
  const tail = rest.join('/');
  switch (section) {
    case 'services':
      return tail === '' ? <ServicesPage /> : <ServicePage key={tail} name={tail} />;
    case 'nodes':
      return tail === '' ? <NodesPage /> : <NodePage key={tail} name={tail} />;
    case 'kv':
      return tail === '' || tail.endsWith('/') ? <KvFolderPage key={tail} prefix={tail} /> : <KvEditorPage key={route} keyName={tail} creating={search.has('new')} />;
    case 'sessions':
      return <SessionsPage />;
    case 'acl':
      return <AclPage tab={(['tokens', 'policies', 'roles'] as const).find((t) => t === tail) ?? ('tokens' satisfies AclTab)} />;
    case 'raft':
      return <RaftPage />;
    case 'login':
      return <LoginPage />;
    default:
      return null;
  }
}

function LoginState() {
  if (useToken() === '') return <Link to="login">Log in</Link>;
  return (
    <button type="button" class="link" onClick={() => setToken('')}>
      Log out
    </button>
  );
}

export function App() {
  const route = useRoute();
  const content = page(route);
  useEffect(() => {
    if (content === null) navigate('services', true);
  }, [content === null]);
  // On navigation (not the first load, where the skip link comes first) focus the new heading.
  const navigated = useRef(false);
  useEffect(() => {
    if (navigated.current) document.getElementById('page-title')?.focus({ preventScroll: true });
    navigated.current = true;
    const title = document.getElementById('page-title')?.textContent;
    document.title = title === undefined || title === null ? 'Cairn' : `${title} · Cairn`;
  }, [route]);
  const section = route.split('/')[0] ?? '';
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Cairn</span>
        <nav aria-label="Sections">
          <ul>
            {SECTIONS.map((s) => (
              <li key={s.to}>
                <Link to={s.to} aria-current={s.to.split('/')[0] === section.split('?')[0] ? 'page' : undefined}>
                  {s.label}
                </Link>
              </li>
            ))}
            <li>
              <a href="/ui/api">API reference</a>
            </li>
          </ul>
        </nav>
        <LoginState />
      </header>
      <main id="main" tabIndex={-1}>
        {content}
      </main>
    </>
  );
}
