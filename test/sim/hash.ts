// A small non-cryptographic 64-bit hash (two FNV-1a lanes with different bases) for the
// trace hash, the applied-entry hash chain and FSM state digests. Integer-only arithmetic,
// so it is identical on every platform.

export class Hasher {
  private a = 0x811c9dc5;
  private b = 0x050c5d1f;

  byte(x: number): this {
    this.a = Math.imul(this.a ^ (x & 0xff), 0x01000193) >>> 0;
    this.b = Math.imul(this.b ^ (x & 0xff), 0x01000193) >>> 0;
    this.b = (this.b ^ (this.b >>> 15)) >>> 0;
    return this;
  }

  /** A non-negative safe integer, as 7 bytes (the upper byte of a safe integer is tiny). */
  num(x: number): this {
    let v = x;
    for (let k = 0; k < 7; k++) {
      this.byte(v % 256);
      v = Math.floor(v / 256);
    }
    return this;
  }

  str(s: string): this {
    this.num(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      this.byte(c).byte(c >>> 8);
    }
    return this;
  }

  bytes(data: Uint8Array): this {
    this.num(data.length);
    for (let i = 0; i < data.length; i++) this.byte(data[i]!);
    return this;
  }

  hex(): string {
    return this.a.toString(16).padStart(8, '0') + this.b.toString(16).padStart(8, '0');
  }
}
