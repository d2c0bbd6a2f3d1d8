// A history router small enough to read: the path below /ui/ is the state; links push it.
// Navigation unmounts the old page, which aborts its blocking queries.
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export const BASE = '/ui/';
const listeners = new Set<() => void>();

/** The location below /ui/, e.g. "kv/app/config" (search included). */
export function currentRoute(): string {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : '';
  return decodeURIComponent(path) + location.search;
}

export function navigate(to: string, replace = false): void {
  const url = BASE + encodeRoute(to);
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  for (const listener of listeners) listener();
}

/** Encodes each segment of a route so keys with spaces, "?" or "#" survive the URL. */
function encodeRoute(route: string): string {
  const q = route.indexOf('?');
  const path = q === -1 ? route : route.slice(0, q);
  const search = q === -1 ? '' : route.slice(q);
  return path.split('/').map(encodeURIComponent).join('/') + search;
}

export function useRoute(): string {
  const [route, setRoute] = useState(currentRoute());
  useEffect(() => {
    const update = (): void => setRoute(currentRoute());
    listeners.add(update);
    addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      removeEventListener('popstate', update);
    };
  }, []);
  return route;
}

export function href(to: string): string {
  return BASE + encodeRoute(to);
}

type AnchorProps = Omit<JSX.HTMLAttributes<HTMLAnchorElement>, 'href'>;

/** An ordinary anchor (middle-click, copy link) that navigates in place on a plain click. */
export function Link({ to, children, ...rest }: { to: string; children: ComponentChildren } & AnchorProps) {
  const onClick = (event: MouseEvent): void => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a {...rest} href={href(to)} onClick={onClick}>
      {children}
    </a>
  );
}
