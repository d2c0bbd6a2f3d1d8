// The HTTP layer's error values. Handlers throw them; the app's onError turns them (and the
// typed errors Services rejects with) into Consul's status codes and plain-text bodies.

/** An answer with a fixed status and a plain-text body (Consul's HTTPError). */
export class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 500,
    readonly body: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(body);
    this.name = 'HttpError';
  }
}

export const badRequest = (text: string): HttpError => new HttpError(400, text);
export const internalError = (text: string): HttpError => new HttpError(500, text);

/** Consul's 500 for a ?dc= naming a datacenter this server cannot reach. */
export const noPathToDatacenter = (): HttpError => new HttpError(500, 'No path to datacenter');

/** Where Consul's 413 texts point for the KV and txn limits. */
export const KV_LIMIT_DOC = 'https://developer.hashicorp.com/docs/agent/config/config-files#kv_max_value_size';
export const TXN_LIMIT_DOC = 'https://www.consul.io/docs/agent/config/config-files#txn_max_req_len';
