// Cluster membership as pure functions: applying a single-server change to a configuration,
// validating a configuration, and the canonical encoding carried by Configuration entries.
// Like hashicorp/raft (and the Raft dissertation §4.1), a configuration entry holds the whole
// new configuration and takes effect as soon as it is appended, committed or not.

import { assert } from './assert.ts';
import {
  EntryType,
  ServerSuffrage,
  type ConfChange,
  type Configuration,
  type Entry,
  type HardState,
  type Index,
  type NodeId,
  type Server,
  type Term,
} from './types.ts';

export type MembershipErrorCode =
  | 'exists'
  | 'notFound'
  | 'alreadyVoter'
  | 'notVoter'
  | 'emptyId'
  | 'emptyAddress'
  | 'duplicateId'
  | 'duplicateAddress'
  | 'noVoters';

export interface MembershipError {
  readonly code: MembershipErrorCode;
  readonly message: string;
}

export type NextConfigurationResult =
  | { readonly ok: true; readonly configuration: Configuration }
  | { readonly ok: false; readonly error: MembershipError };

function fail(code: MembershipErrorCode, message: string): { ok: false; error: MembershipError } {
  return { ok: false, error: { code, message } };
}

function sorted(servers: Server[]): Configuration {
  servers.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { servers };
}

/** Applies one change; the result is validated with checkConfiguration. */
export function nextConfiguration(current: Configuration, change: ConfChange): NextConfigurationResult {
  const existing = current.servers.find((s) => s.id === change.id);
  const others = current.servers.filter((s) => s.id !== change.id);
  let servers: Server[];
  switch (change.type) {
    case 'addVoter':
    case 'addNonvoter': {
      if (existing) return fail('exists', `server ${change.id} is already in the configuration`);
      const suffrage = change.type === 'addVoter' ? ServerSuffrage.Voter : ServerSuffrage.Nonvoter;
      servers = [...others, { id: change.id, address: change.address, suffrage }];
      break;
    }
    case 'promote':
      if (!existing) return fail('notFound', `server ${change.id} is not in the configuration`);
      if (existing.suffrage === ServerSuffrage.Voter) return fail('alreadyVoter', `server ${change.id} is already a voter`);
      servers = [...others, { ...existing, suffrage: ServerSuffrage.Voter }];
      break;
    case 'demote':
      if (!existing) return fail('notFound', `server ${change.id} is not in the configuration`);
      if (existing.suffrage !== ServerSuffrage.Voter) return fail('notVoter', `server ${change.id} is not a voter`);
      servers = [...others, { ...existing, suffrage: ServerSuffrage.Nonvoter }];
      break;
    case 'remove':
      if (!existing) return fail('notFound', `server ${change.id} is not in the configuration`);
      servers = others;
      break;
  }
  const configuration = sorted(servers);
  const problem = checkConfiguration(configuration);
  return problem ? { ok: false, error: problem } : { ok: true, configuration };
}

/** Problems that make a configuration unusable, or null. */
export function checkConfiguration(configuration: Configuration): MembershipError | null {
  const ids = new Set<string>();
  const addresses = new Set<string>();
  let voters = 0;
  for (const s of configuration.servers) {
    if (s.id.length === 0) return { code: 'emptyId', message: 'server id must not be empty' };
    if (s.address.length === 0) return { code: 'emptyAddress', message: `server ${s.id} has an empty address` };
    if (ids.has(s.id)) return { code: 'duplicateId', message: `duplicate server id ${s.id}` };
    if (addresses.has(s.address)) return { code: 'duplicateAddress', message: `duplicate server address ${s.address}` };
    ids.add(s.id);
    addresses.add(s.address);
    if (s.suffrage === ServerSuffrage.Voter) voters++;
  }
  if (voters === 0) return { code: 'noVoters', message: 'configuration must have at least one voter' };
  return null;
}

export function isVoter(configuration: Configuration, id: NodeId): boolean {
  return configuration.servers.some((s) => s.id === id && s.suffrage === ServerSuffrage.Voter);
}

export function findServer(configuration: Configuration, id: NodeId): Server | undefined {
  return configuration.servers.find((s) => s.id === id);
}

// ---- encoding ------------------------------------------------------------------------------

/** Version of the encoded configuration; bump only with a decoder for the old one. */
const CONFIGURATION_FORMAT = 1;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Canonical bytes for a Configuration entry: versioned JSON, servers sorted by id. */
export function encodeConfiguration(configuration: Configuration): Uint8Array {
  const servers = [...configuration.servers]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((s) => ({ id: s.id, address: s.address, suffrage: s.suffrage }));
  return encoder.encode(JSON.stringify({ v: CONFIGURATION_FORMAT, servers }));
}

/** Decodes a Configuration entry. Malformed bytes are a corrupted log: this throws. */
export function decodeConfiguration(data: Uint8Array): Configuration {
  const raw: unknown = JSON.parse(decoder.decode(data));
  assert(typeof raw === 'object' && raw !== null, 'configuration entry: not an object');
  const { v, servers } = raw as { v?: unknown; servers?: unknown };
  assert(v === CONFIGURATION_FORMAT, `configuration entry: unknown format ${String(v)}`);
  assert(Array.isArray(servers), 'configuration entry: servers is not an array');
  const out: Server[] = servers.map((s: unknown) => {
    const { id, address, suffrage } = (s ?? {}) as { id?: unknown; address?: unknown; suffrage?: unknown };
    assert(typeof id === 'string' && id.length > 0, 'configuration entry: bad server id');
    assert(typeof address === 'string', 'configuration entry: bad server address');
    assert(suffrage === ServerSuffrage.Voter || suffrage === ServerSuffrage.Nonvoter, 'configuration entry: bad suffrage');
    return { id: id as NodeId, address, suffrage };
  });
  return sorted(out);
}

// ---- bootstrap -----------------------------------------------------------------------------

export interface Bootstrap {
  readonly entry: Entry;
  readonly hardState: HardState;
}

/**
 * What a brand-new cluster writes before starting its nodes (as hashicorp/raft's
 * BootstrapCluster): the initial configuration as entry 1 of term 1. Every server bootstrapped
 * with the same configuration writes the same entry, so their logs agree.
 */
export function bootstrap(configuration: Configuration): Bootstrap {
  const problem = checkConfiguration(configuration);
  assert(problem === null, () => `bootstrap: ${problem?.message}`);
  const entry: Entry = {
    index: 1 as Index,
    term: 1 as Term,
    type: EntryType.Configuration,
    data: encodeConfiguration(configuration),
  };
  return { entry, hardState: { term: 1 as Term, vote: null, commit: 0 as Index } };
}
