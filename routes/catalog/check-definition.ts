// HealthCheckDefinition as Consul decodes and stores it: durations arrive as Go duration
// strings or nanosecond numbers under either name (Interval / IntervalDuration), and are kept
// as Go duration strings; only non-empty members survive (Consul marshals with omitempty).
// The check's Type comes from the definition, as Consul's CheckType().Type() derives it.
import { z } from '@hono/zod-openapi';
import { formatGoDuration, parseGoDuration } from '../lib/go-duration.ts';
import { internalError } from '../lib/errors.ts';

const durationLike = z.union([z.string(), z.number()]).nullable().optional();

export const CheckDefinitionBodySchema = z.object({
  HTTP: z.string().optional(),
  TLSServerName: z.string().optional(),
  TLSSkipVerify: z.boolean().optional(),
  Header: z.record(z.string(), z.array(z.string())).nullable().optional(),
  Method: z.string().optional(),
  Body: z.string().optional(),
  DisableRedirects: z.boolean().optional(),
  TCP: z.string().optional(),
  TCPUseTLS: z.boolean().optional(),
  UDP: z.string().optional(),
  H2PING: z.string().optional(),
  H2PingUseTLS: z.boolean().optional(),
  GRPC: z.string().optional(),
  GRPCUseTLS: z.boolean().optional(),
  OSService: z.string().optional(),
  AliasNode: z.string().optional(),
  AliasService: z.string().optional(),
  ScriptArgs: z.array(z.string()).nullable().optional(),
  DockerContainerID: z.string().optional(),
  Shell: z.string().optional(),
  TTL: durationLike,
  Interval: durationLike,
  Timeout: durationLike,
  DeregisterCriticalServiceAfter: durationLike,
  IntervalDuration: durationLike,
  TimeoutDuration: durationLike,
  DeregisterCriticalServiceAfterDuration: durationLike,
});
export type CheckDefinitionBody = z.output<typeof CheckDefinitionBodySchema>;

/** A duration field as Go's custom unmarshaller reads it: string → ParseDuration, number → ns. */
export function durationNs(raw: string | number | null | undefined, decodeError: (text: string) => Error): bigint {
  if (raw === undefined || raw === null) return 0n;
  if (typeof raw === 'number') return BigInt(Math.trunc(raw));
  const parsed = parseGoDuration(raw);
  if (!parsed.ok) throw decodeError(parsed.error);
  return parsed.ns;
}

const DURATIONS = [
  ['Interval', 'IntervalDuration'],
  ['Timeout', 'TimeoutDuration'],
  ['DeregisterCriticalServiceAfter', 'DeregisterCriticalServiceAfterDuration'],
  ['TTL', 'TTL'],
] as const;

export interface StoredDefinition {
  /** Only non-empty members, durations as Go strings. */
  readonly definition: Record<string, unknown>;
  readonly intervalNs: bigint;
  readonly timeoutNs: bigint;
  readonly ttlNs: bigint;
  /** Consul's CheckType().Type() for this definition ("" when it names no runnable check). */
  readonly type: string;
}

export function storedDefinition(def: CheckDefinitionBody | undefined, decodeError: (text: string) => Error): StoredDefinition {
  const out: Record<string, unknown> = {};
  const ns: Record<string, bigint> = {};
  for (const [name, alias] of DURATIONS) {
    const raw = def?.[name] ?? def?.[alias];
    ns[name] = durationNs(raw, decodeError);
  }
  for (const [key, value] of Object.entries(def ?? {})) {
    if (DURATIONS.some(([n, a]) => key === n || key === a)) continue;
    if (value === '' || value === false || value === null || value === undefined) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    if (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0) continue;
    out[key] = value;
  }
  for (const [name] of DURATIONS) if (ns[name] !== 0n) out[name] = formatGoDuration(ns[name] as bigint);
  const intervalNs = ns['Interval'] as bigint;
  const ttlNs = ns['TTL'] as bigint;
  return { definition: out, intervalNs, timeoutNs: ns['Timeout'] as bigint, ttlNs, type: checkType(def, intervalNs, ttlNs) };
}

/** Consul's CheckType.Type(), in its precedence order. */
export function checkType(def: CheckDefinitionBody | undefined, intervalNs: bigint, ttlNs: bigint): string {
  const d = def ?? {};
  const interval = intervalNs > 0n;
  const script = (d.ScriptArgs ?? []).length > 0;
  if (d.GRPC && interval) return 'grpc';
  if (d.HTTP && interval) return 'http';
  if (ttlNs > 0n) return 'ttl';
  if (d.TCP && interval) return 'tcp';
  if (d.UDP && interval) return 'udp';
  if (d.AliasNode || d.AliasService) return 'alias';
  if (script && d.DockerContainerID && interval) return 'docker';
  if (script) return 'script';
  if (d.H2PING && interval) return 'h2ping';
  if (d.OSService && interval) return 'os_service';
  return '';
}

/** A HealthCheck's Interval/Timeout string: "" for zero, else Go's Duration.String(). */
export const formatInterval = (ns: bigint): string => (ns === 0n ? '' : formatGoDuration(ns));

/** The 500 Consul's state store would answer for a check without an ID. */
export const missingCheckId = (): Error => internalError('failed inserting check: object missing primary index');
