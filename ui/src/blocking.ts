// Live data through Consul's blocking queries: each answer's X-Consul-Index is sent back as
// ?index= so the next request waits on the server until something changes (no timers polling).
// The loop ends when the component unmounts or its path changes (the request is aborted).
import { useEffect, useState } from 'preact/hooks';
import { api, type Query } from './api.ts';
import { useToken } from './token.ts';
import { nextIndex } from './url.ts';

/** How long the server may hold one request. Short enough that a half-open connection is noticed. */
const WAIT = '60s';
/** Retry delays after an error grow to this bound, so a down agent is not hammered. */
const RETRY_MAX_MS = 10_000;
const RETRY_FIRST_MS = 500;

export interface Live<T> {
  readonly data: T | undefined;
  readonly error: { readonly status: number; readonly message: string } | undefined;
  /** The X-Consul-Index of the current data. */
  readonly index: number;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

async function run<T>(path: string, query: Query, notFound: unknown, signal: AbortSignal, set: (live: Live<T>) => void): Promise<void> {
  let index = 0;
  let failures = 0;
  let last: T | undefined;
  while (!signal.aborted) {
    const blocking = index > 0 ? { index, wait: WAIT } : {};
    const result = await api<T>(path, { query: { ...query, ...blocking }, signal, notFound }).catch(() => null);
    if (result === null || signal.aborted) return;
    if (!result.ok) {
      set({ data: last, error: { status: result.status, message: result.message }, index });
      // 4xx other than 429 will not heal by retrying; stop until the user acts (navigates, logs in).
      if (result.status >= 400 && result.status < 500 && result.status !== 429) return;
      await sleep(Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** failures++), signal);
      continue;
    }
    failures = 0;
    const next = nextIndex(index, result.index);
    if (next !== index || index === 0) {
      last = result.value;
      set({ data: last, error: undefined, index: result.index });
    }
    // An endpoint without an index cannot block: one read is all there is.
    if (next === 0) return;
    index = next;
  }
}

export function useBlocking<T>(path: string, query: Query = {}, notFound?: unknown): Live<T> {
  const [live, setLive] = useState<Live<T>>({ data: undefined, error: undefined, index: 0 });
  const token = useToken();
  const key = JSON.stringify([path, query, token]);
  useEffect(() => {
    const controller = new AbortController();
    setLive({ data: undefined, error: undefined, index: 0 });
    void run<T>(path, query, notFound, controller.signal, setLive);
    return () => controller.abort();
    // `key` stands for path, query and token (the query object is new on every render).
  }, [key]);
  return live;
}
