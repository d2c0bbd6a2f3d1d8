// The UI's pure logic (value validation, health counting, blocking-query index rules), and the
// UI's own typecheck, which the root tsconfig does not cover (the UI compiles against the DOM).
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countsByNode, countsByService, worstStatus } from '../../ui/src/health.ts';
import type { HealthCheck } from '../../ui/src/types.ts';
import { encodePath, nextIndex, queryString } from '../../ui/src/url.ts';
import { decodeValue, guessMode, parseFlags, validateValue } from '../../ui/src/value-modes.ts';

const ROOT = resolve(import.meta.dirname, '../..');

const check = (node: string, service: string, status: HealthCheck['Status']): HealthCheck => ({
  Node: node, CheckID: `${service}-${status}`, Name: '', Status: status, Notes: '', Output: '',
  ServiceID: service === '' ? '' : `${service}-1`, ServiceName: service, Type: 'ttl',
});

describe('UI logic', () => {
  it('validates values by mode and reports the parser message', () => {
    expect(validateValue('plain', '{ not json')).toBeNull();
    expect(validateValue('json', '{"a": [1, 2]}')).toBeNull();
    expect(validateValue('json', '{"a": ')).toMatch(/^Not valid JSON: /);
    expect(validateValue('yaml', 'a:\n  - 1\n  - 2\n')).toBeNull();
    expect(validateValue('yaml', 'a: [1, 2\nb: c')).toMatch(/^Not valid YAML: /);
    expect(guessMode('  {"x": 1}')).toBe('json');
    expect(guessMode('{not json')).toBe('plain');
  });

  it('decodes UTF-8 values and recognises binary ones', () => {
    expect(decodeValue(null)).toEqual({ kind: 'text', text: '' });
    expect(decodeValue(Buffer.from('héllo ✓').toString('base64'))).toEqual({ kind: 'text', text: 'héllo ✓' });
    expect(decodeValue(Buffer.from([0xff, 0xfe, 0x00]).toString('base64'))).toEqual({ kind: 'binary', bytes: 3 });
  });

  it('accepts flags only as non-negative safe integers', () => {
    expect(parseFlags(' 42 ')).toBe(42);
    expect(parseFlags('0')).toBe(0);
    for (const bad of ['-1', '1.5', 'x', '', '99999999999999999999']) expect(parseFlags(bad), bad).toBeNull();
  });

  it('counts checks per service and per node, the worst status first', () => {
    const checks = [check('n1', 'web', 'passing'), check('n1', 'web', 'critical'), check('n1', '', 'passing'), check('n2', 'db', 'warning')];
    expect(countsByService(checks).get('web')).toEqual({ passing: 1, warning: 0, critical: 1 });
    expect(countsByService(checks).has('')).toBe(false);
    expect(countsByNode(checks).get('n1')).toEqual({ passing: 2, warning: 0, critical: 1 });
    expect(worstStatus(checks)).toBe('critical');
    expect(worstStatus([check('n', 's', 'passing'), check('n', 's', 'warning')])).toBe('warning');
    expect(worstStatus([])).toBe('passing');
  });

  it('follows Consul’s index rules and query style', () => {
    expect(nextIndex(0, 7)).toBe(7);
    expect(nextIndex(7, 9)).toBe(9);
    expect(nextIndex(9, 3)).toBe(0);
    expect(nextIndex(9, 0)).toBe(0);
    expect(nextIndex(9, Number.NaN)).toBe(0);
    expect(queryString({ keys: true, separator: '/', recurse: false, cas: 0, skip: undefined })).toBe('?keys&separator=%2F&cas=0');
    expect(queryString({})).toBe('');
    expect(encodePath('a b/c?d/')).toBe('a%20b/c%3Fd/');
  });

  it('typechecks the UI against the DOM (the root tsconfig does not include ui/)', () => {
    const tsc = resolve(ROOT, 'node_modules/typescript/bin/tsc');
    expect(() => execFileSync(process.execPath, [tsc, '-p', 'ui', '--noEmit'], { cwd: ROOT, encoding: 'utf8' })).not.toThrow();
  });
});
