// Check output bounds, as Consul applies them.

/** Consul's DefaultBufSize: the most output a check keeps. */
export const DEFAULT_OUTPUT_MAX_SIZE = 4 * 1024;

/** The output limit for a check: its OutputMaxSize when positive and smaller, else the default. */
export const outputLimit = (configured: number): number => (configured > 0 && configured < DEFAULT_OUTPUT_MAX_SIZE ? configured : DEFAULT_OUTPUT_MAX_SIZE);

/** A TTL update's output past the limit: Consul's "… (captured N of M bytes)". */
export function truncateOutput(output: string, max: number): string {
  const bytes = Buffer.from(output, 'utf8');
  if (bytes.length <= max) return output;
  return `${bytes.subarray(0, max).toString('utf8')} ... (captured ${max} of ${bytes.length} bytes)`;
}

/** Keeps the last `max` bytes written, as Go's circbuf does for HTTP check bodies. */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) {}

  write(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    // Bounded: drops whole leading chunks while the rest still covers `max` bytes.
    while (this.chunks.length > 1 && this.size - (this.chunks[0] as Buffer).length >= this.max) {
      this.size -= (this.chunks.shift() as Buffer).length;
    }
  }

  toString(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.max)).toString('utf8');
  }
}
