// Consul's ACL JSON (agent/structs/acl.go): request bodies as Go decodes them (any key case,
// unknown keys refused — see strict-json.ts) and the token, policy and role objects as Go
// encodes them (PascalCase, `omitempty` fields left out, list stubs with their own shapes).
import { z } from '@hono/zod-openapi';
import type { NodeIdentitySpec, ServiceIdentitySpec } from '../../storage/acl-commands.ts';
import type { AclLink, AclPolicyRow, AclRoleEntry, AclTokenEntry } from '../../storage/acl-entries.ts';

/** What Consul shows instead of a SecretID to a caller without acl:write. */
export const REDACTED_SECRET = '<hidden>';

const opt = () => z.string().optional();
const LinkInput = z.object({ ID: opt(), Name: opt() });
const ServiceIdentityInput = z.object({ ServiceName: opt(), Datacenters: z.array(z.string()).nullable().optional() });
const NodeIdentityInput = z.object({ NodeName: opt(), Datacenter: opt() });
const IndexInput = z.unknown().optional().openapi({ type: 'integer', description: 'Ignored (server-set).' });

export const TokenBodySchema = z
  .object({
    AccessorID: opt(),
    SecretID: opt(),
    Description: opt(),
    Policies: z.array(LinkInput).nullable().optional().openapi({ description: 'Links by ID or Name.' }),
    Roles: z.array(LinkInput).nullable().optional(),
    ServiceIdentities: z.array(ServiceIdentityInput).nullable().optional(),
    NodeIdentities: z.array(NodeIdentityInput).nullable().optional(),
    TemplatedPolicies: z.array(z.unknown()).nullable().optional().openapi({ description: 'Accepted and ignored.' }),
    Rules: opt().openapi({ description: 'Legacy; refused when set.' }),
    Local: z.boolean().optional(),
    AuthMethod: opt(),
    ExpirationTime: z.string().nullable().optional().openapi({ description: 'RFC 3339; immutable after creation.' }),
    ExpirationTTL: z.union([z.string(), z.number()]).nullable().optional().openapi({ description: 'Go duration or nanoseconds; creation only.' }),
    CreateTime: opt(),
    Hash: opt(),
    CreateIndex: IndexInput,
    ModifyIndex: IndexInput,
  })
  .openapi('ACLTokenRequest');
export type TokenBody = z.output<typeof TokenBodySchema>;

export const PolicyBodySchema = z
  .object({
    ID: opt(),
    Name: opt(),
    Description: opt(),
    Rules: opt().openapi({ description: 'HCL or JSON rules text.' }),
    Datacenters: z.array(z.string()).nullable().optional(),
    Hash: opt(),
    CreateIndex: IndexInput,
    ModifyIndex: IndexInput,
  })
  .openapi('ACLPolicyRequest');
export type PolicyBody = z.output<typeof PolicyBodySchema>;

export const RoleBodySchema = z
  .object({
    ID: opt(),
    Name: opt(),
    Description: opt(),
    Policies: z.array(LinkInput).nullable().optional(),
    ServiceIdentities: z.array(ServiceIdentityInput).nullable().optional(),
    NodeIdentities: z.array(NodeIdentityInput).nullable().optional(),
    TemplatedPolicies: z.array(z.unknown()).nullable().optional(),
    Hash: opt(),
    CreateIndex: IndexInput,
    ModifyIndex: IndexInput,
  })
  .openapi('ACLRoleRequest');
export type RoleBody = z.output<typeof RoleBodySchema>;

export const BootstrapBodySchema = z.object({ BootstrapSecret: opt() }).openapi('ACLBootstrapRequest');

// ------------------------------------------------------------------------------- Output

const Link = z.object({ ID: z.string(), Name: z.string() }).openapi('ACLLink');
const ServiceIdentity = z.object({ ServiceName: z.string(), Datacenters: z.array(z.string()).optional() }).openapi('ACLServiceIdentity');
const NodeIdentity = z.object({ NodeName: z.string(), Datacenter: z.string() }).openapi('ACLNodeIdentity');

const tokenFields = {
  AccessorID: z.string(),
  SecretID: z.string().openapi({ description: '"<hidden>" unless the caller has acl:write (or is the token).' }),
  Description: z.string(),
  Policies: z.array(Link).optional(),
  Roles: z.array(Link).optional(),
  ServiceIdentities: z.array(ServiceIdentity).optional(),
  NodeIdentities: z.array(NodeIdentity).optional(),
  Local: z.boolean(),
  ExpirationTime: z.string().optional(),
  CreateTime: z.string(),
  Hash: z.string(),
  CreateIndex: z.number().int(),
  ModifyIndex: z.number().int(),
};

export const TokenSchema = z.object(tokenFields).openapi('ACLToken');
export type TokenJson = z.output<typeof TokenSchema>;
export const TokenStubSchema = z.object({ ...tokenFields, Legacy: z.boolean() }).openapi('ACLTokenListStub');
export const BootstrapTokenSchema = z.object({ ID: z.string().openapi({ description: 'Legacy: the SecretID.' }), ...tokenFields }).openapi('ACLBootstrapToken');
export const ExpandedTokenSchema = z
  .object({
    ...tokenFields,
    ExpandedPolicies: z.array(z.unknown()).nullable(),
    ExpandedRoles: z.array(z.unknown()).nullable(),
    NamespaceDefaultPolicyIDs: z.array(z.string()).nullable(),
    NamespaceDefaultRoleIDs: z.array(z.string()).nullable(),
    AgentACLDefaultPolicy: z.string(),
    AgentACLDownPolicy: z.string(),
    ResolvedByAgent: z.string(),
  })
  .openapi('ACLTokenExpanded');

export const PolicySchema = z
  .object({
    ID: z.string(),
    Name: z.string(),
    Description: z.string(),
    Rules: z.string(),
    Datacenters: z.array(z.string()).optional(),
    Hash: z.string(),
    CreateIndex: z.number().int(),
    ModifyIndex: z.number().int(),
  })
  .openapi('ACLPolicy');
export type PolicyJson = z.output<typeof PolicySchema>;
export const PolicyStubSchema = PolicySchema.omit({ Rules: true, Datacenters: true })
  .extend({ Datacenters: z.array(z.string()).nullable() })
  .openapi('ACLPolicyListStub');

export const RoleSchema = z
  .object({
    ID: z.string(),
    Name: z.string(),
    Description: z.string(),
    Policies: z.array(Link).optional(),
    ServiceIdentities: z.array(ServiceIdentity).optional(),
    NodeIdentities: z.array(NodeIdentity).optional(),
    Hash: z.string(),
    CreateIndex: z.number().int(),
    ModifyIndex: z.number().int(),
  })
  .openapi('ACLRole');
export type RoleJson = z.output<typeof RoleSchema>;

export const ReplicationSchema = z
  .object({
    Enabled: z.boolean(),
    Running: z.boolean(),
    SourceDatacenter: z.string(),
    ReplicationType: z.string(),
    ReplicatedIndex: z.number().int(),
    ReplicatedRoleIndex: z.number().int(),
    ReplicatedTokenIndex: z.number().int(),
    LastSuccess: z.string(),
    LastError: z.string(),
    LastErrorMessage: z.string(),
  })
  .openapi('ACLReplicationStatus');

/** `omitempty` on a slice: an empty list is left out. */
const nonEmpty = <T>(items: readonly T[] | null | undefined): T[] | undefined => (items && items.length > 0 ? [...items] : undefined);
const links = (l: readonly AclLink[]): { ID: string; Name: string }[] | undefined => nonEmpty(l.map((x) => ({ ID: x.id, Name: x.name })));
const services = (s: readonly ServiceIdentitySpec[] | null) =>
  nonEmpty(s?.map((x) => ({ ServiceName: x.serviceName, ...(x.datacenters && x.datacenters.length > 0 ? { Datacenters: [...x.datacenters] } : {}) })));
const nodes = (n: readonly NodeIdentitySpec[] | null) => nonEmpty(n?.map((x) => ({ NodeName: x.nodeName, Datacenter: x.datacenter })));

/** A token as Consul encodes it; `redact` hides the secret from callers without acl:write. */
export function toTokenJson(t: AclTokenEntry, redact: boolean): TokenJson {
  return {
    AccessorID: t.accessorId,
    SecretID: redact ? REDACTED_SECRET : t.secretId,
    Description: t.description,
    Policies: links(t.policies),
    Roles: links(t.roles),
    ServiceIdentities: services(t.serviceIdentities),
    NodeIdentities: nodes(t.nodeIdentities),
    Local: t.local,
    ExpirationTime: t.expirationTime ?? undefined,
    CreateTime: t.createTime,
    Hash: t.hash,
    CreateIndex: t.createIndex,
    ModifyIndex: t.modifyIndex,
  };
}

export function toTokenStubJson(t: AclTokenEntry, redact: boolean): z.output<typeof TokenStubSchema> {
  return { ...toTokenJson(t, redact), Legacy: false };
}

export function toPolicyJson(p: AclPolicyRow): PolicyJson {
  return {
    ID: p.id,
    Name: p.name,
    Description: p.description,
    Rules: p.rules,
    Datacenters: nonEmpty(p.datacenters),
    Hash: p.hash,
    CreateIndex: p.createIndex,
    ModifyIndex: p.modifyIndex,
  };
}

export function toPolicyStubJson(p: AclPolicyRow): z.output<typeof PolicyStubSchema> {
  return {
    ID: p.id,
    Name: p.name,
    Description: p.description,
    Datacenters: p.datacenters === null ? null : [...p.datacenters],
    Hash: p.hash,
    CreateIndex: p.createIndex,
    ModifyIndex: p.modifyIndex,
  };
}

export function toRoleJson(r: AclRoleEntry): RoleJson {
  return {
    ID: r.id,
    Name: r.name,
    Description: r.description,
    Policies: links(r.policies),
    ServiceIdentities: services(r.serviceIdentities),
    NodeIdentities: nodes(r.nodeIdentities),
    Hash: r.hash,
    CreateIndex: r.createIndex,
    ModifyIndex: r.modifyIndex,
  };
}
