// The metrics registry: Prometheus text that a strict parser accepts, Consul's names, the JSON
// summary's shape and arithmetic, the server bindings fed through the host observer seam and
// the timed Vfs (a real file's fsync), and the parser itself refusing malformed text.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeVfs } from 'raft-wal-ts';
import { describe, expect, it } from 'vitest';
import type { HostStatus } from '../../../consensus/host/raft-host.ts';
import type { NodeId } from '../../../consensus/raft/index.ts';
import { goTime, MetricsRegistry } from '../../../app/metrics.ts';
import { bindServerMetrics } from '../../../app/metrics-server.ts';
import { parsePrometheusText, sampleValue } from './prometheus-text.ts';

const status = (over: Partial<HostStatus> = {}): HostStatus => ({
  id: 'a', address: '127.0.0.1:1', state: 'running', role: 'leader', term: 7, leaderId: 'a', leaderAddress: '127.0.0.1:1',
  commitIndex: 40, appliedIndex: 39, firstIndex: 1, lastIndex: 41, snapshotIndex: 20, lastContactMs: 0,
  configuration: { servers: [{ id: 'a' as NodeId, address: '127.0.0.1:1', suffrage: 1 }, { id: 'b' as NodeId, address: '127.0.0.1:2', suffrage: 2 }] },
  configurationIndex: 3,
  progress: [
    { id: 'a', address: undefined, match: 41, next: 42, state: 'replicate', voter: true, lastContactMs: 0 },
    { id: 'b', address: undefined, match: 30, next: 31, state: 'replicate', voter: false, lastContactMs: 120 },
  ],
  ...over,
});

const SIZES = { kvEntries: 12, tombstones: 3, sessions: 2, nodes: 3, services: 4, serviceInstances: 5, checks: 6 };

function server() {
  const registry = new MetricsRegistry(() => Date.UTC(2017, 7, 8, 2, 55, 10, 500));
  let st = status();
  const bound = bindServerMetrics(registry, { status: () => st, sizes: () => SIZES });
  return { registry, bound, set: (s: HostStatus) => (st = s) };
}

describe('metrics registry', () => {
  it('exposes Raft, state, process, HTTP and blocking-query metrics in valid Prometheus text', async () => {
    const { registry, bound } = server();
    bound.observer.persisted?.(3, 300, 2.5);
    bound.observer.applied?.(3, 0.4);
    bound.leaderChanged({ term: 7, role: 'leader', leaderId: 'a', leaderAddress: '127.0.0.1:1', isLeader: true });
    bound.sampleCluster(status(), undefined);
    registry.observeRequest('/v1/kv/_', 'GET', 200, 0.003);
    registry.observeRequest('/v1/kv/_', 'GET', 404, 0.001);
    const done = registry.blockingQueryStarted();
    const { contentType, body } = await registry.exposition('prometheus');
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const f = parsePrometheusText(body);
    expect(sampleValue(f, 'cairn_raft_term')).toBe(7);
    expect(sampleValue(f, 'cairn_raft_commit_index')).toBe(40);
    expect(sampleValue(f, 'consul_raft_applied_index')).toBe(39);
    expect(sampleValue(f, 'consul_raft_last_index')).toBe(41);
    expect(sampleValue(f, 'consul_server_isLeader')).toBe(1);
    expect(sampleValue(f, 'consul_state_kv_entries')).toBe(12);
    expect(sampleValue(f, 'consul_state_service_instances')).toBe(5);
    expect(sampleValue(f, 'consul_rpc_queries_blocking')).toBe(1);
    expect(sampleValue(f, 'cairn_raft_log_append_seconds_count')).toBe(1);
    expect(sampleValue(f, 'cairn_raft_log_append_seconds_sum')).toBeCloseTo(0.0025);
    expect(sampleValue(f, 'cairn_raft_log_appended_entries')).toBe(3);
    expect(sampleValue(f, 'consul_raft_fsm_apply_count')).toBe(1);
    expect(sampleValue(f, 'consul_raft_state', { role: 'leader' })).toBe(1);
    expect(sampleValue(f, 'cairn_raft_replication_lag_entries', { peer_id: 'b' })).toBe(11);
    expect(sampleValue(f, 'consul_raft_leader_lastContact', { peer_id: 'b' })).toBe(120);
    expect(sampleValue(f, 'cairn_raft_nonvoters')).toBe(1);
    expect(sampleValue(f, 'cairn_http_request_duration_seconds_count', { route: '/v1/kv/_', method: 'GET', code: '404' })).toBe(1);
    expect(sampleValue(f, 'consul_runtime_sys_bytes')).toBeGreaterThan(1_000_000);
    expect(sampleValue(f, 'process_resident_memory_bytes')).toBeGreaterThan(1_000_000);
    expect(f.get('cairn_http_request_duration_seconds')?.type).toBe('histogram');
    done();
    done();
    expect(sampleValue(parsePrometheusText((await registry.exposition('prometheus')).body), 'consul_rpc_queries_blocking')).toBe(0);
  });

  it('clears leader-only gauges when leadership is lost', async () => {
    const { registry, bound } = server();
    bound.sampleCluster(status(), { healthy: true, failureTolerance: 1, optimisticFailureTolerance: 1, leader: 'a', voters: ['a'], servers: [] });
    let f = parsePrometheusText((await registry.exposition('prometheus')).body);
    expect(sampleValue(f, 'consul_autopilot_healthy')).toBe(1);
    expect(sampleValue(f, 'consul_autopilot_failure_tolerance')).toBe(1);
    bound.clearCluster();
    f = parsePrometheusText((await registry.exposition('prometheus')).body);
    expect(sampleValue(f, 'consul_autopilot_healthy')).toBeUndefined();
    expect(sampleValue(f, 'cairn_raft_replication_lag_entries', { peer_id: 'b' })).toBeUndefined();
  });

  it('offers OpenMetrics too', async () => {
    const { registry } = server();
    const { contentType, body } = await registry.exposition('openmetrics');
    expect(contentType).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(body.trimEnd().endsWith('# EOF')).toBe(true);
    expect(body).toContain('consul_raft_applied_index 39');
  });

  it("summarises in Consul's JSON shape with dotted names and sample statistics", async () => {
    const { registry, bound } = server();
    for (const ms of [1, 2, 3]) bound.observer.applied?.(1, ms);
    const s = await registry.summary();
    expect(s.Timestamp).toBe('2017-08-08 02:55:10 +0000 UTC');
    expect(s.Points).toEqual([]);
    expect(s.Gauges).toContainEqual({ Name: 'consul.raft.applied_index', Value: 39, Labels: {} });
    const apply = s.Samples.find((x) => x.Name === 'consul.raft.fsm.apply');
    expect(apply).toMatchObject({ Count: 3, Sum: 6, Min: 1, Max: 3, Mean: 2, Labels: {} });
    expect(apply?.Stddev).toBeCloseTo(Math.sqrt(2 / 3));
    expect(s.Counters.find((x) => x.Name === 'cairn.raft.fsm.applied_entries')).toMatchObject({ Count: 3, Sum: 3 });
  });

  it('times fsync through the Vfs wrapper on a real file', async () => {
    const { registry, bound } = server();
    const dir = mkdtempSync(join(tmpdir(), 'cairn-metrics-'));
    try {
      const vfs = bound.wrapVfs(new NodeVfs());
      const file = await vfs.create(dir, 'f');
      await file.write(new Uint8Array([1, 2, 3]), 0);
      await file.sync();
      await file.sync();
      await file.close();
      const f = parsePrometheusText((await registry.exposition('prometheus')).body);
      expect(sampleValue(f, 'cairn_wal_fsync_seconds_count')).toBe(2);
      expect(sampleValue(f, 'cairn_wal_fsync_seconds_sum')).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('formats Go time for the summary', () => {
    expect(goTime(Date.UTC(2024, 0, 2, 3, 4, 5, 999))).toBe('2024-01-02 03:04:05 +0000 UTC');
  });
});

describe('the Prometheus text parser refuses what a scraper would', () => {
  it.each([
    ['a sample before its type', 'x 1\n'],
    ['a bad value', '# TYPE x gauge\nx one\n'],
    ['a bad label', '# TYPE x gauge\nx{1a="v"} 1\n'],
    ['an unterminated label value', '# TYPE x gauge\nx{a="v} 1\n'],
    ['a bad escape', '# TYPE x gauge\nx{a="\\t"} 1\n'],
    ['an unknown type', '# TYPE x meter\n'],
  ])('%s', (_what, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });

  it('accepts escapes, timestamps and histogram suffixes', () => {
    const f = parsePrometheusText('# HELP h a\\nb\n# TYPE h histogram\nh_bucket{le="+Inf",q="a\\"b"} 2 1700000000\nh_sum 3\nh_count 2\n');
    expect(f.get('h')).toMatchObject({ type: 'histogram', help: 'a\nb' });
    expect(sampleValue(f, 'h_bucket', { q: 'a"b' })).toBe(2);
  });
});
