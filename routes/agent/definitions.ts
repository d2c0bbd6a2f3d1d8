// Service and check definitions as the agent endpoints decode them (consul-api.md §6.3–6.4):
// PascalCase, lower-case or the snake_case names Consul translates; durations as Go strings
// or nanoseconds; then Consul's validation in its order with its 400 texts. The result is a
// ServiceRegistration / CheckRegistration with every Consul default applied.
import { z } from '@hono/zod-openapi';
import type { CheckSpec, ServiceSpec } from '../../storage/commands.ts';
import { durationNs, formatInterval } from '../catalog/check-definition.ts';
import { isAnyAddress, NodeServiceBodySchema, serviceSpecFromBody } from '../catalog/register.ts';
import { badRequest } from '../lib/errors.ts';
import { formatGoDuration } from '../lib/go-duration.ts';
import type { GoJsonValue } from '../lib/go-json.ts';
import type { CheckRegistration, CheckRunSpec, ServiceRegistration } from './agent-api.ts';
import { validateServiceMeta, validateWeights } from './validate.ts';

const durationLike = z.union([z.string(), z.number()]).nullable().optional();
const Int = z.number().int();

/** Consul's CheckType as a request body carries it. */
export const CheckTypeBodySchema = z.object({
  CheckID: z.string().optional(),
  ID: z.string().optional(),
  Name: z.string().optional(),
  Status: z.string().optional(),
  Notes: z.string().optional(),
  ScriptArgs: z.array(z.string()).nullable().optional(),
  HTTP: z.string().optional(),
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
  DockerContainerID: z.string().optional(),
  Shell: z.string().optional(),
  TLSServerName: z.string().optional(),
  TLSSkipVerify: z.boolean().optional(),
  Interval: durationLike,
  Timeout: durationLike,
  TTL: durationLike,
  DeregisterCriticalServiceAfter: durationLike,
  SuccessBeforePassing: Int.optional(),
  FailuresBeforeWarning: Int.optional(),
  FailuresBeforeCritical: Int.optional(),
  OutputMaxSize: Int.optional(),
});
export type CheckTypeBody = z.output<typeof CheckTypeBodySchema>;

export const ServiceDefinitionBodySchema = NodeServiceBodySchema.omit({ Service: true })
  .extend({
    Name: z.string().optional(),
    Check: CheckTypeBodySchema.nullable().optional(),
    Checks: z.array(CheckTypeBodySchema).nullable().optional(),
    Token: z.string().optional(),
  })
  .openapi('AgentServiceRegistration');
export type ServiceDefinitionBody = z.output<typeof ServiceDefinitionBodySchema>;

export const CheckDefinitionBodySchema = CheckTypeBodySchema.extend({
  ServiceID: z.string().optional(),
  Token: z.string().optional(),
}).openapi('AgentCheckRegistration');
export type CheckDefinitionBody = z.output<typeof CheckDefinitionBodySchema>;

/** The snake_case keys Consul translates (ServiceDefinition/CheckType UnmarshalJSON, TranslateKeys). */
const SNAKE_KEYS: Readonly<Record<string, string>> = {
  enable_tag_override: 'EnableTagOverride',
  tagged_addresses: 'TaggedAddresses',
  socket_path: 'SocketPath',
  deregister_critical_service_after: 'DeregisterCriticalServiceAfter',
  tls_skip_verify: 'TLSSkipVerify',
  tls_server_name: 'TLSServerName',
  docker_container_id: 'DockerContainerID',
  script_args: 'ScriptArgs',
  args: 'ScriptArgs',
  service_id: 'ServiceID',
  grpc_use_tls: 'GRPCUseTLS',
  h2ping_use_tls: 'H2PingUseTLS',
  tcp_use_tls: 'TCPUseTLS',
  disable_redirects: 'DisableRedirects',
  success_before_passing: 'SuccessBeforePassing',
  failures_before_critical: 'FailuresBeforeCritical',
  failures_before_warning: 'FailuresBeforeWarning',
  output_max_size: 'OutputMaxSize',
  check_id: 'CheckID',
};

/**
 * Deeper than any service or check definition nests: values below are left as they are (the
 * schema refuses them anyway), so a deeply nested body cannot exhaust the call stack.
 */
const MAX_TRANSLATED_DEPTH = 32;

/**
 * Renames Consul's snake_case aliases to their field names, recursively. The field's own name
 * (any case) wins over the alias, as in Consul's "if t.X == "" { t.X = aux.XSnake }".
 */
export function translateSnakeKeys(value: GoJsonValue, depth = 0): GoJsonValue {
  if (depth > MAX_TRANSLATED_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => translateSnakeKeys(item, depth + 1));
  if (typeof value !== 'object' || value === null) return value;
  const present = new Set(Object.keys(value).map((k) => k.toLowerCase()));
  const out: { [key: string]: GoJsonValue } = Object.create(null) as { [key: string]: GoJsonValue };
  for (const [key, item] of Object.entries(value)) {
    // Go matches the aliases' json tags case-insensitively too ("Args" hits `json:"args"`).
    const target = SNAKE_KEYS[key.toLowerCase()];
    // Maps of user data (Meta, Header) keep their keys, but their values need no translation either.
    const translated = key.toLowerCase() === 'meta' || key.toLowerCase() === 'header' ? item : translateSnakeKeys(item, depth + 1);
    if (target !== undefined && !present.has(target.toLowerCase())) out[target] = translated;
    else if (target === undefined) out[key] = translated;
  }
  return out;
}

const decodeFailed = (text: string): Error => badRequest(`Request decode failed: ${text}`);
const NS_PER_MS = 1_000_000n;
const toMs = (ns: bigint): number => Number(ns / NS_PER_MS);
const CHECK_STATUSES: ReadonlySet<string> = new Set(['passing', 'warning', 'critical']);

/** A CheckType with its durations parsed (a bad duration is a decode failure, as in Go). */
interface ParsedCheckType {
  readonly body: CheckTypeBody;
  readonly intervalNs: bigint;
  readonly timeoutNs: bigint;
  readonly ttlNs: bigint;
  readonly deregisterNs: bigint;
}

function parseCheckType(body: CheckTypeBody): ParsedCheckType {
  return {
    body,
    intervalNs: durationNs(body.Interval, decodeFailed),
    timeoutNs: durationNs(body.Timeout, decodeFailed),
    ttlNs: durationNs(body.TTL, decodeFailed),
    deregisterNs: durationNs(body.DeregisterCriticalServiceAfter, decodeFailed),
  };
}

/** Consul's CheckType.Validate(), texts included. */
function validateCheckType(t: ParsedCheckType): string | null {
  const b = t.body;
  const isScript = (b.ScriptArgs ?? []).length > 0;
  const intervalCheck = isScript || !!b.HTTP || !!b.TCP || !!b.UDP || !!b.GRPC || !!b.H2PING || !!b.OSService;
  const isAlias = !!b.AliasNode || !!b.AliasService;
  if (t.intervalNs > 0n && t.ttlNs > 0n) return 'Interval and TTL cannot both be specified';
  if (intervalCheck && t.intervalNs <= 0n) return 'Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks';
  if (intervalCheck && isAlias) return 'Interval cannot be set for Alias checks';
  if (isAlias && t.ttlNs > 0n) return 'TTL must be not be set for Alias checks';
  if (!intervalCheck && !isAlias && t.ttlNs <= 0n) return 'TTL must be > 0 for TTL checks';
  if ((b.OutputMaxSize ?? 0) < 0) return 'MaxOutputMaxSize must be positive';
  if ((b.FailuresBeforeWarning ?? 0) > (b.FailuresBeforeCritical ?? 0)) return "FailuresBeforeWarning can't be higher than FailuresBeforeCritical";
  return null;
}

/** Consul's CheckType.Type(). */
function runType(t: ParsedCheckType): string {
  const b = t.body;
  const interval = t.intervalNs > 0n;
  const script = (b.ScriptArgs ?? []).length > 0;
  if (b.GRPC && interval) return 'grpc';
  if (b.HTTP && interval) return 'http';
  if (t.ttlNs > 0n) return 'ttl';
  if (b.TCP && interval) return 'tcp';
  if (b.UDP && interval) return 'udp';
  if (b.AliasNode || b.AliasService) return 'alias';
  if (script && b.DockerContainerID && interval) return 'docker';
  if (script) return 'script';
  if (b.H2PING && interval) return 'h2ping';
  if (b.OSService && interval) return 'os_service';
  return '';
}

function runSpec(t: ParsedCheckType): CheckRunSpec {
  const b = t.body;
  const failuresBeforeCritical = b.FailuresBeforeCritical ?? 0;
  return {
    ttlMs: toMs(t.ttlNs),
    http: b.HTTP ?? '',
    header: b.Header ?? {},
    method: b.Method ?? '',
    body: b.Body ?? '',
    disableRedirects: b.DisableRedirects ?? false,
    tlsServerName: b.TLSServerName ?? '',
    tlsSkipVerify: b.TLSSkipVerify ?? false,
    tcp: b.TCP ?? '',
    intervalMs: toMs(t.intervalNs),
    timeoutMs: toMs(t.timeoutNs),
    deregisterCriticalServiceAfterMs: toMs(t.deregisterNs),
    successBeforePassing: b.SuccessBeforePassing ?? 0,
    // Consul: FailuresBeforeWarning defaults to FailuresBeforeCritical.
    failuresBeforeWarning: b.FailuresBeforeWarning || failuresBeforeCritical,
    failuresBeforeCritical,
    outputMaxSize: b.OutputMaxSize ?? 0,
  };
}

/** An empty check object is ignored, as Consul's CheckType.Empty() makes it. */
const isEmptyCheck = (b: CheckTypeBody): boolean => Object.values(b).every((v) => v === undefined);

/** Consul's defaults for a service's embedded check: service:⟨id⟩[:n], "Service '⟨name⟩' check". */
function serviceCheck(t: ParsedCheckType, service: ServiceSpec, position: number, total: number): CheckRegistration {
  const b = t.body;
  const checkId = b.CheckID || b.ID || (total > 1 ? `service:${service.id}:${position}` : `service:${service.id}`);
  const check: CheckSpec = {
    node: '',
    checkId,
    name: b.Name || `Service '${service.service}' check`,
    status: (b.Status || 'critical') as CheckSpec['status'],
    notes: b.Notes ?? '',
    output: '',
    serviceId: service.id,
    type: runType(t),
    interval: formatInterval(t.intervalNs),
    timeout: formatInterval(t.timeoutNs),
    exposedPort: 0,
    definition: {},
  };
  return { check, run: runSpec(t) };
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Consul's addServiceInternal: an IP Address adds lan/wan _ipv4 (or _ipv6) tagged addresses. */
function withDefaultTaggedAddresses(s: ServiceSpec): ServiceSpec {
  const v4 = IPV4.test(s.address);
  const v6 = !v4 && s.address.includes(':') && /^[0-9a-fA-F:.]+$/.test(s.address);
  if (!v4 && !v6) return s;
  const suffix = v4 ? 'ipv4' : 'ipv6';
  const tagged = { ...(s.taggedAddresses ?? {}) };
  for (const key of [`lan_${suffix}`, `wan_${suffix}`]) tagged[key] ??= { Address: s.address, Port: s.port };
  return { ...s, taggedAddresses: tagged };
}

/** Connect.SidecarService is registration sugar Consul strips from the stored service (no sidecars here). */
function withoutSidecar(s: ServiceSpec): ServiceSpec {
  const connect = s.extra?.['Connect'];
  if (typeof connect !== 'object' || connect === null || !('SidecarService' in connect)) return s;
  const { SidecarService: _dropped, ...rest } = connect as Record<string, unknown>;
  return { ...s, extra: { ...s.extra, Connect: rest } };
}

/** PUT /v1/agent/service/register validation in Consul's order; throws its 400s. */
export function serviceRegistration(body: ServiceDefinitionBody, replaceExistingChecks: boolean, token: string): ServiceRegistration {
  const name = body.Name ?? '';
  if (name === '') throw badRequest('Missing service name');
  if (isAnyAddress(body.Address ?? '')) throw badRequest('Invalid service address');
  if (body.Weights) {
    const err = validateWeights({ Passing: body.Weights.Passing ?? 0, Warning: body.Weights.Warning ?? 0 });
    if (err !== null) throw badRequest(`Invalid Weights: ${err}`);
  }
  const metaErr = validateServiceMeta(body.Meta ?? null);
  if (metaErr !== null) throw badRequest(`Invalid Service Meta: ${metaErr}`);
  const service = withoutSidecar(withDefaultTaggedAddresses(serviceSpecFromBody({ ...body, Service: name })));
  const bodies = [...(body.Check && !isEmptyCheck(body.Check) ? [body.Check] : []), ...(body.Checks ?? [])];
  const parsed = bodies.map(parseCheckType);
  for (const t of parsed) {
    const err = validateCheckType(t);
    if (err !== null) throw badRequest(`Invalid check: ${err}`);
  }
  for (const t of parsed) {
    if (t.body.Status && !CHECK_STATUSES.has(t.body.Status)) throw badRequest("Status for checks must 'passing', 'warning', 'critical'");
  }
  const checks = parsed.map((t, i) => serviceCheck(t, service, i + 1, parsed.length));
  return { service, checks, replaceExistingChecks, token: body.Token || token };
}

/** PUT /v1/agent/check/register validation in Consul's order; throws its 400s. */
export function checkRegistration(body: CheckDefinitionBody): CheckRegistration {
  const name = body.Name ?? '';
  if (name === '') throw badRequest('Missing check name');
  if (body.Status && !CHECK_STATUSES.has(body.Status)) throw badRequest('Bad check status');
  const t = parseCheckType(body);
  const err = validateCheckType(t);
  if (err !== null) throw badRequest(`Invalid check: ${err}`);
  const check: CheckSpec = {
    node: '',
    checkId: body.ID || body.CheckID || name,
    name,
    status: (body.Status || 'critical') as CheckSpec['status'],
    notes: body.Notes ?? '',
    output: '',
    serviceId: body.ServiceID ?? '',
    type: runType(t),
    // CheckDefinition.HealthCheck() formats with Duration.String(): "0s" when unset.
    interval: formatGoDuration(t.intervalNs),
    timeout: formatGoDuration(t.timeoutNs),
    exposedPort: 0,
    definition: {},
  };
  return { check, run: runSpec(t) };
}
