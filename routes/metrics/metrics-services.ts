// What /v1/agent/metrics and the HTTP request metrics need from the server (consul-api.md
// §6.5). app/ implements it over its Prometheus registry.

/** Consul's metrics JSON (go-metrics' MetricsSummary of the last interval). */
export interface MetricsSummary {
  readonly Timestamp: string;
  readonly Gauges: { readonly Name: string; readonly Value: number; readonly Labels: Record<string, string> }[];
  readonly Points: unknown[];
  readonly Counters: SampledValue[];
  readonly Samples: SampledValue[];
}

export interface SampledValue {
  readonly Name: string;
  readonly Count: number;
  readonly Rate: number;
  readonly Sum: number;
  readonly Min: number;
  readonly Max: number;
  readonly Mean: number;
  readonly Stddev: number;
  readonly Labels: Record<string, string>;
}

export type ExpositionFormat = 'prometheus' | 'openmetrics';

export interface MetricsServices {
  summary(): Promise<MetricsSummary>;
  /** The text exposition and its Content-Type. */
  exposition(format: ExpositionFormat): Promise<{ readonly contentType: string; readonly body: string }>;
  /** One finished HTTP request: route pattern (e.g. "/v1/kv/"), method, status, seconds. */
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  /** A blocking query started waiting; the returned function ends it. */
  blockingQueryStarted(): () => void;
}
