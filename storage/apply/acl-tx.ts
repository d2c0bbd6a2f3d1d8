// The ACL part of the apply handle: row-level reads and writes of tokens, policies, roles and
// the bootstrap mark. The SQLite implementation (storage/acl-tx.ts) owns SQL, JSON columns and
// the secret digest; the appliers (acl.ts) own Consul's semantics. The read half is also what
// the leader's pre-Raft checks run against, so both give the same answers and texts.
import type { AclPolicyRow, AclRoleRow, AclTokenRow } from '../acl-entries.ts';

export interface AclReadTx {
  tokenByAccessor(accessorId: string): AclTokenRow | undefined;
  /** The token with this secret (looked up by digest, compared in constant time). */
  tokenBySecret(secretId: string): AclTokenRow | undefined;
  policyById(id: string): AclPolicyRow | undefined;
  /** Names match ignoring ASCII case. */
  policyByName(name: string): AclPolicyRow | undefined;
  roleById(id: string): AclRoleRow | undefined;
  roleByName(name: string): AclRoleRow | undefined;
  /** The Raft index of the last (re-)bootstrap, 0 if the cluster was never bootstrapped. */
  bootstrapIndex(): number;
}

export interface AclTx extends AclReadTx {
  /** Inserts or replaces the token with this AccessorID. */
  tokenPut(token: AclTokenRow): void;
  tokenDelete(accessorId: string): boolean;
  policyPut(policy: AclPolicyRow): void;
  policyDelete(id: string): boolean;
  rolePut(role: AclRoleRow): void;
  roleDelete(id: string): boolean;
  setBootstrapIndex(index: number): void;
}
