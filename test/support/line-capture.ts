// Keeps the last lines a child process printed (prefixed with its name) for failure reports,
// and hands each complete line to an optional listener (readiness probes).
export function captureLines(
  stream: NodeJS.ReadableStream | null,
  into: { readonly lines: string[]; readonly prefix: string; readonly max: number },
  onLine: (line: string) => void = () => {},
): void {
  if (stream === null) return;
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      into.lines.push(`[${into.prefix}] ${line}`);
      if (into.lines.length > into.max) into.lines.shift();
      onLine(line);
    }
  });
}
