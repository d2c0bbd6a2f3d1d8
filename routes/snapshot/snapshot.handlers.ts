// Snapshot handlers (Consul's agent/snapshot_endpoint.go): the archive streams out of and into
// the server; headers go out before the body, as Consul sets them before streaming.
import { requireAcl, writeToken } from '../acl/enforce.ts';
import type { AppRouteHandler } from '../create-router.ts';
import { setQueryMeta } from '../middleware/consul-headers.ts';
import { requireLocalDatacenter, requireQueryOptions } from '../lib/rpc.ts';
import { operatorServices } from '../operator/operator.handlers.ts';
import type { RestoreRoute, SaveRoute } from './snapshot.routes.ts';

export const save: AppRouteHandler<SaveRoute> = async (c) => {
  requireLocalDatacenter(c);
  const options = requireQueryOptions(c);
  // Consul's snapshot rule: a management-level token (acl = write), for saving and restoring.
  requireAcl(c, 'snapshot');
  const download = await operatorServices(c).snapshotSave(options.consistency === 'stale', writeToken(c));
  setQueryMeta(c, download.index, download.meta);
  c.header('Content-Type', 'application/x-gzip');
  const iterator = download.body[Symbol.asyncIterator]();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done === true) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  return c.body(body, 200);
};

async function* chunks(stream: ReadableStream<Uint8Array> | null): AsyncGenerator<Uint8Array> {
  if (stream === null) return;
  const reader = stream.getReader();
  try {
    // Bounded by the request body: ends when the client finishes sending.
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

export const restore: AppRouteHandler<RestoreRoute> = async (c) => {
  requireLocalDatacenter(c);
  requireAcl(c, 'snapshot');
  await operatorServices(c).snapshotRestore(chunks(c.req.raw.body), writeToken(c));
  return c.body(null, 200);
};
