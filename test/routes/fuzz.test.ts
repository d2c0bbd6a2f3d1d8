// Hostile input over every route (issue: proof under faults): random methods, mangled paths,
// hostile query strings, headers and bodies, sent as raw bytes over a real socket to the real
// HTTP listener (app/http-server.ts) in front of the routes and a real SQLite store. For every
// request: an answer within a bounded time, no 5xx except where Consul answers one, no internal
// error reported, nothing proposed to Raft and no agent state changed for a refused request;
// afterwards the server still serves reads and writes.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenHttp, type HttpListener } from '../../app/http-server.ts';
import type { Command } from '../../storage/commands.ts';
import { startRoutesHarness, type RoutesHarness } from '../support/routes-harness.ts';
import { sendRaw, type RawAnswer } from './fuzz-client.ts';
import { rawRequest, type RawRequest } from './fuzz-requests.ts';

/** Runs per CI run (CAIRN_FUZZ_RUNS for a longer soak); each is one request. */
const RUNS = Number(process.env['CAIRN_FUZZ_RUNS'] ?? 600);
/** Fixed by default so CI is reproducible; CAIRN_FUZZ_SEED explores others. */
const SEED = Number(process.env['CAIRN_FUZZ_SEED'] ?? 20261127);
/** No request may take longer (blocking waits are clamped to MAX_QUERY_MS below). */
const REQUEST_TIMEOUT_MS = 5_000;
/** Blocking queries the fuzzer starts end quickly: ?wait is clamped to this. */
const MAX_QUERY_MS = 200;

/**
 * Refusals Consul's state store makes while applying (its FSM), so they do write a Raft entry,
 * one that changes nothing — Cairn decides them in the same place: a write txn whose ops fail
 * against the state (409), and a session for a node or check that is missing or critical (500).
 */
const FSM_REFUSALS: readonly { readonly status: number; readonly path: RegExp; readonly body: RegExp }[] = [
  { status: 409, path: /^\/v1\/txn/, body: /^/ },
  { status: 500, path: /^\/v1\/session\/create/, body: /^(Missing node registration|Missing check '.*' registration|Check '.*' is in critical state)$/s },
];

/**
 * The other 5xx answers Consul gives on purpose (consul-api.md §1.5: its RPC and state-store
 * errors pass through as 500 with their text), by the text they carry; none reaches Raft.
 */
const ALLOWED_5XX = [
  /^$/, // a query string Go's url.ParseQuery refuses (Consul's handler wrapper)
  /^No path to datacenter$/, // ?dc naming another datacenter
  /^Failed to create boolean expression evaluator: /, // a ?filter go-bexpr cannot parse
  /^Invalid (node|service) filter: /, // the same for /v1/catalog/* node-meta filters
  /^strconv\.Parse(Uint|Int): parsing /, // KV ?cas / ?flags that are no integers
  /^invalid URL escape /, // a query value Go's url.QueryUnescape refuses
  /^Must provide (node|Node|address if SkipNodeUpdate is not set|service name \(Service\.Service\) when service ID is provided)$/, // catalog (de)register
  /^Invalid service address$/, /^Bad node ID: /, /^failed inserting check: object missing primary index$/, /^Bad check status$/,
  /^Cannot provide tag filter without service filter$/,
  /^invalid coordinate$/, // a coordinate update without a valid coordinate
  /^Invalid Behavior setting '/s, /^Invalid Session TTL '/, /^Session TTL '.*' invalid: /s, // session create
  /^failed session lookup: index error: /, // a session ID that is no UUID (the lookup fails first)
  /^invalid session "/s, // KV ?acquire with an unknown session
  /^user event exceeds configured limit of /, // event fire
  // This in-process server has no Raft host and no metrics registry (test/cluster covers them).
  /^operator endpoints are not available on this server$/, /^metrics are not available on this server$/,
];

let h: RoutesHarness;
let http: HttpListener;
/** Commands proposed to Raft through the HTTP layer since the last reset. */
const proposed: Command[] = [];

beforeAll(async () => {
  h = startRoutesHarness({ limits: { defaultQueryTimeMs: MAX_QUERY_MS, maxQueryTimeMs: MAX_QUERY_MS } });
  // Count what the routes propose (the agent's own anti-entropy writes are not the request's).
  const apply = h.services.apply.bind(h.services);
  Object.assign(h.services, {
    apply: (command: Command, token: string) => {
      proposed.push(command);
      return apply(command, token);
    },
  });
  http = await listenHttp(h.app, '127.0.0.1', 0);
});

afterAll(async () => {
  await http.close();
  h.close();
});

/** What a refused agent request must leave untouched. */
async function agentState(): Promise<string> {
  const [services, checks] = await Promise.all([h.app.request('/v1/agent/services'), h.app.request('/v1/agent/checks')]);
  return `${await services.text()}\n${await checks.text()}`;
}

function describeRequest(req: RawRequest, answer: RawAnswer): string {
  const body = req.body === null ? 'none' : `${req.body.length} bytes: ${JSON.stringify(req.body.subarray(0, 600).toString('latin1'))}`;
  const got = answer.kind === 'response' ? `${answer.status} ${JSON.stringify(answer.body.subarray(0, 200).toString())}` : JSON.stringify(answer);
  return `${req.method} ${JSON.stringify(req.target)} headers=${JSON.stringify(req.headers.map(([k, v]) => [k, v.slice(0, 40)]))} chunked=${req.chunked} body=${body} → ${got}`;
}

const fsmRefusal = (req: RawRequest, status: number, body: string): boolean =>
  FSM_REFUSALS.some((r) => r.status === status && r.path.test(req.target) && r.body.test(body));

/** Sends one request; what is wrong with the server's handling of it, or null. */
async function problemWith(req: RawRequest, statuses: Map<number, number>): Promise<string | null> {
  proposed.length = 0;
  const reported = h.reported.length;
  const agentPath = req.target.startsWith('/v1/agent');
  const agentBefore = agentPath ? await agentState() : '';
  const answer = await sendRaw(http.port, req, REQUEST_TIMEOUT_MS);
  const what = describeRequest(req, answer);
  if (answer.kind !== 'response') return `no answer: ${what}`;
  statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
  if (h.reported.length > reported) return `internal error ${String(h.reported.at(-1))}: ${what}`;
  const text = answer.body.toString();
  if (fsmRefusal(req, answer.status, text) || answer.status < 400) return null;
  if (answer.status >= 500 && !ALLOWED_5XX.some((re) => re.test(text))) return `unexpected 5xx: ${what}`;
  if (proposed.length > 0) return `refused, yet proposed ${JSON.stringify(proposed)}: ${what}`;
  if (agentPath && (await agentState()) !== agentBefore) return `refused, yet the agent's state changed: ${what}`;
  return null;
}

/** Problems listed per run before the run stops (the rest are likely the same bug). */
const MAX_PROBLEMS = 20;

describe('hostile requests to every route', () => {
  it(`answers ${RUNS} of them without a crash, a hang, an unexpected 5xx or a write for a refusal`, async () => {
    const statuses = new Map<number, number>();
    const problems: string[] = [];
    await fc.assert(
      fc.asyncProperty(rawRequest, async (req) => {
        if (problems.length >= MAX_PROBLEMS) return;
        const problem = await problemWith(req, statuses);
        if (problem !== null) problems.push(problem);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    console.log(`fuzz: ${RUNS} requests (seed ${SEED}), statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
    expect(problems).toEqual([]);

    // Still serving: a write and a consistent read through the same listener.
    const put = await fetch(`http://127.0.0.1:${http.port}/v1/kv/after-fuzz`, { method: 'PUT', body: 'ok', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    expect(await put.text()).toBe('true');
    const get = await fetch(`http://127.0.0.1:${http.port}/v1/kv/after-fuzz?raw&consistent`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    expect(await get.text()).toBe('ok');
  });
});
