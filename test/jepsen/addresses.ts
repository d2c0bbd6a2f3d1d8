// Loopback addresses for a test cluster. Each server gets its own 127.x.y.n address (the whole
// of 127.0.0.0/8 is loopback on Linux, no root needed), so proxies can tell servers apart by
// source address. A random x.y keeps concurrent test runs out of each other's way.
import { randomInt } from 'node:crypto';

export interface LoopbackSubnet {
  /** "127.x.y" */
  readonly prefix: string;
  host(n: number): string;
}

export function loopbackSubnet(): LoopbackSubnet {
  // 127.0.0.0/16 stays free for the ordinary 127.0.0.1 servers of other tests.
  const prefix = `127.${randomInt(1, 255)}.${randomInt(0, 256)}`;
  return {
    prefix,
    host(n: number): string {
      if (!Number.isInteger(n) || n < 1 || n > 254) throw new RangeError(`host number ${n} is not in 1..254`);
      return `${prefix}.${n}`;
    },
  };
}
