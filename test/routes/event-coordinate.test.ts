// /v1/event/* and /v1/coordinate/* (consul-api.md §11.1–11.2): the fired event's shape,
// validation and size limit, listing with name/agent filters, uuid-index blocking;
// coordinates stored, listed, looked up and refused when malformed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { uuidIndex, userEventSize, USER_EVENT_SIZE_LIMIT } from '../../routes/event/event.handlers.ts';
import { NODE_NAME, startRoutesHarness, type RoutesHarness } from '../support/routes-harness.ts';

let h: RoutesHarness;
beforeEach(() => {
  h = startRoutesHarness();
});
afterEach(() => h.close());

interface UserEvent { ID: string; Name: string; Payload: string | null; NodeFilter: string; ServiceFilter: string; TagFilter: string; Version: number; LTime: number }

const fire = (name: string, query = '', body?: string) => h.request(`/v1/event/fire/${name}${query}`, { method: 'PUT', ...(body === undefined ? {} : { body }) });
const list = async (query = ''): Promise<{ events: UserEvent[]; index: string | null }> => {
  const res = await h.request(`/v1/event/list${query}`);
  return { events: (await res.json()) as UserEvent[], index: res.headers.get('x-consul-index') };
};

describe('PUT /v1/event/fire', () => {
  it('answers Consul\'s UserEvent with LTime 0; the list has it with its LTime and base64 payload', async () => {
    const res = await fire('deploy', '', 'v1.2.3');
    const fired = (await res.json()) as UserEvent;
    expect(fired).toEqual({ ID: expect.stringMatching(/^[0-9a-f-]{36}$/), Name: 'deploy', Payload: Buffer.from('v1.2.3').toString('base64'), NodeFilter: '', ServiceFilter: '', TagFilter: '', Version: 1, LTime: 0 });
    const { events, index } = await list();
    expect(events).toEqual([{ ...fired, LTime: 1 }]);
    expect(index).toBe(uuidIndex(fired.ID).toString());
    expect((await (await fire('empty')).json() as UserEvent).Payload).toBeNull();
  });

  it.each([
    ['', '', 400, 'Missing name'],
    ['x', '?tag=web', 500, 'Cannot provide tag filter without service filter'],
    ['x', '?node=(', 500, 'Invalid node filter: error parsing regexp: missing closing ): `(`'],
  ])('refuses name %j with query %j: %i %s', async (name, query, status, text) => {
    const res = await fire(name, query);
    expect([res.status, await res.text()]).toEqual([status, text]);
    expect(h.applier.log.filter((e) => e.command.type === 'event.fire')).toEqual([]);
  });

  it('refuses events past serf\'s 512-byte limit', async () => {
    expect(userEventSize({ name: 'x', payload: 0, nodeFilter: '', serviceFilter: '', tagFilter: '' })).toBeLessThan(USER_EVENT_SIZE_LIMIT);
    const res = await fire('big', '', 'p'.repeat(480));
    expect([res.status, await res.text()]).toEqual([500, 'user event exceeds configured limit of 512 bytes before encoding']);
    expect((await fire('fits', '', 'p'.repeat(400))).status).toBe(200);
  });
});

describe('GET /v1/event/list', () => {
  it('filters by ?name and keeps only events this agent would process (node, service, tag filters)', async () => {
    await h.request('/v1/agent/service/register', { method: 'PUT', body: JSON.stringify({ Name: 'web', Tags: ['blue'] }) });
    await fire('a', `?node=^${NODE_NAME}$`);
    await fire('b', '?node=other-node');
    await fire('c', '?service=web&tag=bl.*');
    await fire('d', '?service=web&tag=green');
    await fire('a');
    expect((await list()).events.map((e) => e.Name)).toEqual(['a', 'c', 'a']);
    expect((await list('?name=a')).events).toHaveLength(2);
    expect((await list('?name=none')).index).toBe('1');
  });

  it('blocks while the uuid-derived index equals ?index and wakes on the next event', async () => {
    await fire('first');
    const { index } = await list();
    let settled = false;
    const blocked = h.request(`/v1/event/list?index=${index}&wait=5s`).then((r) => ((settled = true), r));
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    await fire('second');
    const res = await blocked;
    expect(res.headers.get('x-consul-index')).not.toBe(index);
    expect(((await res.json()) as UserEvent[]).map((e) => e.Name)).toEqual(['first', 'second']);
    // A different index returns at once.
    const quick = await h.request('/v1/event/list?index=12345&wait=5s');
    expect(quick.status).toBe(200);
  });
});

describe('/v1/coordinate', () => {
  const coord = (x: number) => ({ Vec: [x, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 });

  it('stores coordinates of known nodes and lists them; unknown nodes are dropped without a write', async () => {
    const before = h.applier.log.length;
    const res = await h.request('/v1/coordinate/update', { method: 'PUT', body: JSON.stringify({ Node: NODE_NAME, Coord: coord(0.25) }) });
    expect([res.status, await res.text()]).toEqual([200, '']);
    await h.request('/v1/coordinate/update', { method: 'PUT', body: JSON.stringify({ node: 'ghost', coord: coord(1) }) });
    expect(h.applier.log.length).toBe(before + 1);
    const nodes = await h.request('/v1/coordinate/nodes');
    expect(await nodes.json()).toEqual([{ Node: NODE_NAME, Segment: '', Coord: coord(0.25) }]);
    expect(Number(nodes.headers.get('x-consul-index'))).toBe(before + 1);
    expect(await (await h.request(`/v1/coordinate/node/${NODE_NAME}`)).json()).toEqual([{ Node: NODE_NAME, Segment: '', Coord: coord(0.25) }]);
    const missing = await h.request('/v1/coordinate/node/ghost');
    expect([missing.status, await missing.text(), missing.headers.has('x-consul-index')]).toEqual([404, '', true]);
  });

  it('refuses malformed coordinates with 500 "invalid coordinate"', async () => {
    for (const bad of [{ Vec: [1, 2], Error: 1, Adjustment: 0, Height: 0 }, { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 'x' }]) {
      const res = await h.request('/v1/coordinate/update', { method: 'PUT', body: JSON.stringify({ Node: NODE_NAME, Coord: bad }) });
      expect(res.status).toBeGreaterThanOrEqual(400);
    }
    const res = await h.request('/v1/coordinate/update', { method: 'PUT', body: JSON.stringify({ Node: NODE_NAME, Coord: { Vec: [1, 2], Error: 1, Adjustment: 0, Height: 0 } }) });
    expect([res.status, await res.text()]).toEqual([500, 'invalid coordinate']);
  });

  it('datacenters lists the servers\' coordinates under the WAN area', async () => {
    const dcs = await (await h.request('/v1/coordinate/datacenters')).json();
    expect(dcs).toEqual([{ Datacenter: 'dc1', AreaID: 'WAN', Coordinates: [] }]);
  });
});
