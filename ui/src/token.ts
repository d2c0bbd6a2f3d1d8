// The ACL token the user logged in with: kept in sessionStorage (gone when the tab closes, never
// in localStorage or a cookie) and sent as X-Consul-Token. Subscribers re-run their queries.
import { useEffect, useState } from 'preact/hooks';

const KEY = 'cairn.token';
const listeners = new Set<() => void>();

export function currentToken(): string {
  return sessionStorage.getItem(KEY) ?? '';
}

export function setToken(token: string): void {
  if (token === '') sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, token);
  for (const listener of listeners) listener();
}

export function onTokenChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The current token, re-rendering the component when it changes (login, logout). */
export function useToken(): string {
  const [token, setState] = useState(currentToken());
  useEffect(() => onTokenChange(() => setState(currentToken())), []);
  return token;
}
