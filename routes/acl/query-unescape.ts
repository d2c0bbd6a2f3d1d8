// Go's url.QueryUnescape, which Consul applies once more to policy names taken from the path
// (so a name can carry an escaped "/"): "+" is a space, %XX a byte, a bad escape a 500.
import { HttpError } from '../lib/errors.ts';

export function queryUnescape(s: string): string {
  const bad = /%(?![0-9A-Fa-f]{2})(.{0,2})/su.exec(s);
  if (bad !== null) throw new HttpError(500, `invalid URL escape ${JSON.stringify(bad[0])}`);
  const parts: Buffer[] = [];
  let last = 0;
  for (const m of s.matchAll(/%([0-9A-Fa-f]{2})|\+/g)) {
    parts.push(Buffer.from(s.slice(last, m.index), 'utf8'), Buffer.of(m[1] === undefined ? 0x20 : parseInt(m[1], 16)));
    last = m.index + m[0].length;
  }
  parts.push(Buffer.from(s.slice(last), 'utf8'));
  return Buffer.concat(parts).toString('utf8');
}
