// The metrics registry behind /v1/agent/metrics (consul-api.md §6.5): prom-client instruments
// registered in a Prometheus and an OpenMetrics registry, named after Consul's go-metrics keys
// where Consul has one ("consul.raft.commitTime" is exposed as consul_raft_commitTime, as
// go-metrics' Prometheus sink does) and "cairn.*" otherwise. The JSON summary reports the same
// instruments in Consul's MetricsSummary shape with the dotted names.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type OpenMetricsContentType } from 'prom-client';
import type { ExpositionFormat, MetricsServices, MetricsSummary, SampledValue } from '../routes/metrics/metrics-services.ts';

/** Latency buckets in seconds: 100 µs to 10 s (fsync, apply, HTTP). */
export const SECONDS_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** The same range in milliseconds, for Consul's timers (go-metrics measures them in ms). */
export const MS_BUCKETS = SECONDS_BUCKETS.map((s) => s * 1000);

type Labels = Record<string, string>;

/** Running count, sum, min, max and sum of squares of one label set, for the JSON samples. */
interface Stats {
  name: string;
  labels: Labels;
  count: number;
  sum: number;
  sumSq: number;
  min: number;
  max: number;
}

/** A histogram that also keeps the per-label-set stats Consul's JSON samples report. */
export interface Timer<L extends string> {
  observe(labels: Partial<Record<L, string>>, value: number): void;
}

const promName = (dotted: string): string => dotted.replace(/[^A-Za-z0-9_:]/g, '_');

export class MetricsRegistry implements MetricsServices {
  private readonly prom = new Registry();
  private readonly open = new Registry<OpenMetricsContentType>();
  /** prom-client name → Consul's dotted name. */
  private readonly dotted = new Map<string, string>();
  private readonly stats = new Map<string, Stats>();
  private readonly http: Timer<'route' | 'method' | 'code'>;
  private readonly blocking: Gauge;
  private inFlight = 0;

  constructor(private readonly wallNow: () => number = Date.now) {
    this.open.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    collectDefaultMetrics({ register: this.prom });
    collectDefaultMetrics({ register: this.open });
    this.http = this.timer('cairn.http.request_duration_seconds', 'HTTP API requests by route pattern, method and status code (seconds).', SECONDS_BUCKETS, ['route', 'method', 'code']);
    this.blocking = this.gauge('consul.rpc.queries_blocking', 'Blocking queries (GETs with ?index) waiting right now.');
  }

  private registers(): [Registry, Registry<OpenMetricsContentType>] {
    return [this.prom, this.open];
  }

  private named(dotted: string): string {
    const name = promName(dotted);
    if (this.dotted.has(name)) throw new Error(`metric ${dotted} registered twice`);
    this.dotted.set(name, dotted);
    return name;
  }

  gauge<L extends string = never>(dotted: string, help: string, labelNames: readonly L[] = [], collect?: () => void): Gauge<L> {
    return new Gauge<L>({
      name: this.named(dotted),
      help,
      labelNames,
      registers: this.registers(),
      ...(collect === undefined ? {} : { collect }),
    });
  }

  /**
   * Shows or hides unlabeled gauges (prom-client always reports an unlabeled gauge, 0 when
   * reset): leader-only values are hidden on followers rather than reported as 0.
   */
  setVisible(gauges: readonly Gauge[], visible: boolean): void {
    for (const gauge of gauges) {
      const name = (gauge as unknown as { name: string }).name;
      for (const r of this.registers()) {
        const shown = r.getSingleMetric(name) !== undefined;
        if (visible && !shown) r.registerMetric(gauge);
        else if (!visible && shown) r.removeSingleMetric(name);
      }
    }
  }

  /** A gauge whose value is read when metrics are collected. */
  valueGauge(dotted: string, help: string, read: () => number): void {
    const gauge: Gauge = this.gauge(dotted, help, [], () => gauge.set(read()));
  }

  counter<L extends string = never>(dotted: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter<L>({ name: this.named(dotted), help, labelNames, registers: this.registers() });
  }

  timer<L extends string = never>(dotted: string, help: string, buckets: readonly number[], labelNames: readonly L[] = []): Timer<L> {
    const histogram = new Histogram<L>({ name: this.named(dotted), help, buckets: [...buckets], labelNames, registers: this.registers() });
    return {
      observe: (labels, value) => {
        histogram.observe(labels as Partial<Record<L, string | number>>, value);
        this.record(dotted, labels as Labels, value);
      },
    };
  }

  private record(name: string, labels: Labels, value: number): void {
    const key = `${name}\u0000${JSON.stringify(labels)}`;
    let s = this.stats.get(key);
    if (s === undefined) {
      s = { name, labels: { ...labels }, count: 0, sum: 0, sumSq: 0, min: value, max: value };
      this.stats.set(key, s);
    }
    s.count++;
    s.sum += value;
    s.sumSq += value * value;
    if (value < s.min) s.min = value;
    if (value > s.max) s.max = value;
  }

  // ---- MetricsServices -----------------------------------------------------------------------

  observeRequest(route: string, method: string, status: number, seconds: number): void {
    this.http.observe({ route, method, code: String(status) }, seconds);
  }

  blockingQueryStarted(): () => void {
    this.blocking.set(++this.inFlight);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.blocking.set(--this.inFlight);
    };
  }

  async exposition(format: ExpositionFormat): Promise<{ contentType: string; body: string }> {
    const registry = format === 'openmetrics' ? this.open : this.prom;
    return { contentType: registry.contentType, body: await registry.metrics() };
  }

  /**
   * Consul's JSON shape. Values are cumulative since the server started (Consul reports the
   * last 10 s interval); Rate is per second over that time.
   */
  async summary(): Promise<MetricsSummary> {
    const metrics = await this.prom.getMetricsAsJSON();
    const now = this.wallNow();
    const uptime = Math.max(1, process.uptime());
    const out: MetricsSummary = { Timestamp: goTime(now), Gauges: [], Points: [], Counters: [], Samples: [] };
    for (const m of metrics) {
      const name = this.dotted.get(m.name) ?? m.name;
      // prom-client's typings say enum; at run time the type is its text name.
      const type = m.type as unknown as string;
      // JSON has no NaN or Infinity (Go's encoder refuses them): such values are left out.
      const values = m.values.filter((v) => Number.isFinite(v.value));
      if (type === 'gauge') {
        for (const v of values) out.Gauges.push({ Name: name, Value: v.value, Labels: stringLabels(v.labels) });
      } else if (type === 'counter') {
        for (const v of values) out.Counters.push(sampled(name, stringLabels(v.labels), v.value, v.value, uptime, 1, 1, 0));
      }
    }
    for (const s of this.stats.values()) {
      const mean = s.sum / s.count;
      const variance = Math.max(0, s.sumSq / s.count - mean * mean);
      out.Samples.push(sampled(s.name, s.labels, s.count, s.sum, uptime, s.min, s.max, Math.sqrt(variance)));
    }
    return out;
  }
}

function sampled(name: string, labels: Labels, count: number, sum: number, uptime: number, min: number, max: number, stddev: number): SampledValue {
  return { Name: name, Count: count, Rate: sum / uptime, Sum: sum, Min: min, Max: max, Mean: count === 0 ? 0 : sum / count, Stddev: stddev, Labels: labels };
}

function stringLabels(labels: Record<string, string | number | undefined>): Labels {
  const out: Labels = {};
  for (const [k, v] of Object.entries(labels)) if (v !== undefined) out[k] = String(v);
  return out;
}

/** Go's time.Time.String() for a UTC time, to the second: "2017-08-08 02:55:10 +0000 UTC". */
export function goTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}
