// Pure membership functions: applying single-server changes, validation, the canonical
// configuration encoding, and bootstrap.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EntryType,
  ServerSuffrage,
  bootstrap,
  checkConfiguration,
  decodeConfiguration,
  encodeConfiguration,
  nextConfiguration,
  nodeId,
  type ConfChange,
  type Configuration,
} from '../../../consensus/raft/index.ts';

const n = nodeId;
const V = ServerSuffrage.Voter;
const N = ServerSuffrage.Nonvoter;

const base: Configuration = {
  servers: [
    { id: n('a'), address: '127.0.0.1:8301', suffrage: V },
    { id: n('b'), address: '127.0.0.1:8302', suffrage: V },
    { id: n('c'), address: '127.0.0.1:8303', suffrage: N },
  ],
};

function ok(ch: ConfChange, from = base): Configuration {
  const res = nextConfiguration(from, ch);
  if (!res.ok) throw new Error(res.error.message);
  return res.configuration;
}

function errCode(ch: ConfChange, from = base): string {
  const res = nextConfiguration(from, ch);
  return res.ok ? 'ok' : res.error.code;
}

describe('nextConfiguration', () => {
  it('adds voters and non-voters, keeping servers sorted by id', () => {
    const next = ok({ type: 'addVoter', id: n('0'), address: '127.0.0.1:8300' });
    expect(next.servers.map((s) => s.id)).toEqual(['0', 'a', 'b', 'c']);
    expect(ok({ type: 'addNonvoter', id: n('d'), address: '127.0.0.1:8304' }).servers[3]).toMatchObject({ id: 'd', suffrage: N });
  });

  it('promotes, demotes and removes', () => {
    expect(ok({ type: 'promote', id: n('c') }).servers[2]?.suffrage).toBe(V);
    expect(ok({ type: 'demote', id: n('b') }).servers[1]?.suffrage).toBe(N);
    expect(ok({ type: 'remove', id: n('b') }).servers.map((s) => s.id)).toEqual(['a', 'c']);
  });

  it('refuses changes that make no sense', () => {
    expect(errCode({ type: 'addVoter', id: n('a'), address: 'x:1' })).toBe('exists');
    expect(errCode({ type: 'addNonvoter', id: n('d'), address: '127.0.0.1:8301' })).toBe('duplicateAddress');
    expect(errCode({ type: 'addVoter', id: n('d'), address: '' })).toBe('emptyAddress');
    expect(errCode({ type: 'promote', id: n('a') })).toBe('alreadyVoter');
    expect(errCode({ type: 'promote', id: n('z') })).toBe('notFound');
    expect(errCode({ type: 'demote', id: n('c') })).toBe('notVoter');
    expect(errCode({ type: 'remove', id: n('z') })).toBe('notFound');
  });

  it('never leaves a configuration without voters', () => {
    const one = ok({ type: 'remove', id: n('b') });
    expect(errCode({ type: 'remove', id: n('a') }, one)).toBe('noVoters');
    expect(errCode({ type: 'demote', id: n('a') }, one)).toBe('noVoters');
  });

  it('every successful change yields a valid configuration that differs in one server', () => {
    const change = fc.oneof(
      fc.record({ type: fc.constantFrom('addVoter' as const, 'addNonvoter' as const), id: fc.constantFrom('a', 'b', 'c', 'd', 'e').map(n), address: fc.constantFrom('h:1', 'h:2', 'h:3', 'h:4', 'h:5') }),
      fc.record({ type: fc.constantFrom('promote' as const, 'demote' as const, 'remove' as const), id: fc.constantFrom('a', 'b', 'c', 'd', 'e').map(n) }),
    );
    fc.assert(
      fc.property(fc.array(change, { maxLength: 20 }), (changes) => {
        let conf: Configuration = { servers: [{ id: n('a'), address: 'h:1', suffrage: V }] };
        for (const ch of changes) {
          const res = nextConfiguration(conf, ch);
          if (!res.ok) continue;
          expect(checkConfiguration(res.configuration)).toBeNull();
          const before = new Map(conf.servers.map((s) => [s.id, s] as const));
          const after = new Map(res.configuration.servers.map((s) => [s.id, s] as const));
          const changed = [...new Set([...before.keys(), ...after.keys()])].filter(
            (id) => JSON.stringify(before.get(id)) !== JSON.stringify(after.get(id)),
          );
          expect(changed).toEqual([ch.id]);
          conf = res.configuration;
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('checkConfiguration', () => {
  it('finds duplicate ids, empty ids and missing voters', () => {
    expect(checkConfiguration(base)).toBeNull();
    expect(checkConfiguration({ servers: [...base.servers, { id: n('a'), address: 'x:9', suffrage: V }] })?.code).toBe('duplicateId');
    expect(checkConfiguration({ servers: [{ id: '' as never, address: 'x:1', suffrage: V }] })?.code).toBe('emptyId');
    expect(checkConfiguration({ servers: [] })?.code).toBe('noVoters');
  });
});

describe('configuration encoding', () => {
  it('round-trips and is canonical regardless of server order', () => {
    const shuffled: Configuration = { servers: [base.servers[2]!, base.servers[0]!, base.servers[1]!] };
    expect(encodeConfiguration(shuffled)).toEqual(encodeConfiguration(base));
    expect(decodeConfiguration(encodeConfiguration(base))).toEqual(base);
  });

  it('refuses malformed bytes loudly', () => {
    const enc = new TextEncoder();
    expect(() => decodeConfiguration(enc.encode('{"v":2,"servers":[]}'))).toThrow(/format/);
    expect(() => decodeConfiguration(enc.encode('{"v":1,"servers":[{"id":"a","address":"x","suffrage":7}]}'))).toThrow(/suffrage/);
    expect(() => decodeConfiguration(new Uint8Array([0xff, 0xfe]))).toThrow();
  });
});

describe('bootstrap', () => {
  it('writes the configuration as entry 1 of term 1, identically on every server', () => {
    const a = bootstrap(base);
    const b = bootstrap({ servers: [...base.servers].reverse() });
    expect(a.entry).toMatchObject({ index: 1, term: 1, type: EntryType.Configuration });
    expect(a.entry.data).toEqual(b.entry.data);
    expect(a.hardState).toEqual({ term: 1, vote: null, commit: 0 });
    expect(() => bootstrap({ servers: [] })).toThrow(/voter/);
  });
});
