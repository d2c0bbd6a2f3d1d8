// The command codec and the propose-time validators.
import { describe, expect, it } from 'vitest';
import { COMMAND_VERSION, decodeCommand, encodeCommand, isUint64Decimal, isUuid, validateCommand } from '../../storage/commands.ts';
import type { Command } from '../../storage/commands.ts';
import { checkSpec, kvSet, register, serviceSpec, sessionCreate } from './harness.ts';

describe('command codec', () => {
  it('round-trips every shape with the version tag', () => {
    const cmds: Command[] = [kvSet('a', 'b', '42'), register('n1'), sessionCreate('aaaaaaaa-0000-4000-8000-000000000001', 'n1'), { type: 'txn', ops: [] }];
    for (const c of cmds) {
      const bytes = encodeCommand(c);
      expect(JSON.parse(new TextDecoder().decode(bytes))).toMatchObject({ v: COMMAND_VERSION, type: c.type });
      expect(decodeCommand(bytes)).toEqual({ v: COMMAND_VERSION, ...c });
    }
  });

  it.each([
    ['invalid UTF-8', new Uint8Array([0xc3, 0x28])],
    ['not JSON', new TextEncoder().encode('{')],
    ['not an object', new TextEncoder().encode('42')],
    ['a future version', new TextEncoder().encode('{"v":2,"type":"kv.set"}')],
    ['an unknown type', new TextEncoder().encode('{"v":1,"type":"kv.frob"}')],
  ])('refuses %s (fatal at apply)', (_name, bytes) => {
    expect(() => decodeCommand(bytes)).toThrow(/undecodable command/);
  });
});

describe('validation', () => {
  it('uint64 flags are canonical decimals within range', () => {
    expect(['0', '1', '18446744073709551615'].map(isUint64Decimal)).toEqual([true, true, true]);
    expect(['', '01', '-1', '1.5', '18446744073709551616', ' 1', '1e3'].map(isUint64Decimal)).toEqual(Array(7).fill(false));
  });

  it('UUIDs are 8-4-4-4-12 hex', () => {
    expect(isUuid('adf4238a-882b-9ddc-4a9d-5b6758e4159e')).toBe(true);
    expect(isUuid('adf4238a882b9ddc4a9d5b6758e4159e')).toBe(false);
    expect(isUuid('zdf4238a-882b-9ddc-4a9d-5b6758e4159e')).toBe(false);
  });

  it.each<[Command, string | null]>([
    [kvSet('k', 'v'), null],
    [kvSet('', 'v'), 'Missing key name'],
    [{ type: 'kv.set', key: 'k', value: 'not base64!', flags: '0' }, 'value is not base64'],
    [{ type: 'kv.set', key: 'k', value: null, flags: '-1' }, 'invalid flags "-1"'],
    [{ type: 'kv.lock', key: 'k', value: null, flags: '0', session: '' }, 'missing session'],
    [{ type: 'kv.cas', key: 'k', value: null, flags: '0', index: -1 }, 'invalid cas index'],
    [{ type: 'kv.delete', key: '' }, 'Missing key name'],
    [sessionCreate('nope', 'n1'), 'invalid session ID "nope"'],
    [sessionCreate('aaaaaaaa-0000-4000-8000-000000000001', ''), 'Must provide Node'],
    [sessionCreate('aaaaaaaa-0000-4000-8000-000000000001', 'n', { behavior: 'keep' as 'release' }), "Invalid Behavior setting 'keep'"],
    [{ type: 'session.destroy', id: '' }, 'Missing session'],
    [register(''), 'Must provide node'],
    [register('n1', { nodeOver: { id: 'not-a-uuid' } }), 'Bad node ID: "not-a-uuid"'],
    [register('n1', { service: serviceSpec('') }), 'Must provide service name (Service.Service) when service ID is provided'],
    [register('n1', { checks: [checkSpec('n1', 'c', { status: 'sick' as 'passing' })] }), 'Invalid check status: "sick"'],
    [register('n1', { checks: [{ ...checkSpec('n1', 'c'), definition: null as unknown as Record<string, unknown> }] }), 'invalid check fields'],
    [{ type: 'catalog.deregister', node: 'n1', serviceId: 5 as unknown as string, checkId: null }, 'invalid deregister target'],
    [{ type: 'txn', ops: [{ Node: { verb: 'set', node: { node: 'n' } as never, index: 0 } }] }, 'invalid node fields'],
    [{ type: 'txn', ops: [{ KV: { verb: 'get', key: 'k', value: null, flags: '01', index: 0, session: '' } }] }, 'malformed KV operation'],
    [{ type: 'txn', ops: [{ KV: { verb: 'frob' as 'get', key: 'k', value: null, flags: '0', index: 0, session: '' } }, {} as never] }, null],
    [{ type: 'kv.frob' } as unknown as Command, 'unknown command type "kv.frob"'],
    [{ type: 'txn', ops: Array(129).fill({ KV: { verb: 'get', key: 'k', value: null, flags: '0', index: 0, session: '' } }) }, 'Transaction contains too many operations (129 > 128)'],
  ])('%# %j → %s', (cmd, error) => {
    expect(validateCommand(cmd)).toBe(error);
  });
});
