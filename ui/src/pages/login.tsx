// Log in with an ACL token: checked against /v1/acl/token/self, then kept in sessionStorage.
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { Page } from '../components.tsx';
import { navigate } from '../router.tsx';
import { currentToken, setToken } from '../token.ts';
import type { AclToken } from '../types.ts';

export function LoginPage() {
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const previous = currentToken();
    setToken(secret.trim());
    const self = await api<AclToken>('/v1/acl/token/self');
    if (self.ok) return navigate('acl');
    if (self.status === 401) {
      setToken(previous);
      return setError('ACLs are disabled on this agent: no token is needed.');
    }
    setToken(previous);
    setError(self.status === 403 ? 'That token is not known to the cluster (ACL not found).' : `Login failed: ${self.message}`);
  };
  return (
    <Page title="Log in">
      <form class="editor narrow" onSubmit={(e) => void submit(e)}>
        <label for="login-token">ACL token (SecretID)</label>
        <input id="login-token" type="password" autoComplete="off" value={secret} onInput={(e) => setSecret(e.currentTarget.value)} aria-describedby="login-help" />
        <p id="login-help" class="muted">
          Sent as X-Consul-Token with every request and kept only for this browser tab.
        </p>
        <div class="buttons">
          <button type="submit" disabled={secret.trim() === ''}>
            Log in
          </button>
        </div>
        {error !== null && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </Page>
  );
}
