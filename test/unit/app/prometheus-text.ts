// A strict parser of the Prometheus text exposition format 0.0.4, for tests: every line must
// be a HELP or TYPE comment, blank, or a well-formed sample whose family was typed first;
// anything else throws with the line number. Returns the families with their samples.

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  type: string;
  help: string;
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
/** Suffixes a sample of a histogram or summary family may carry. */
const SUFFIXES = ['_bucket', '_sum', '_count'];

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const where = `line ${i + 1}: ${JSON.stringify(line)}`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) return comment(line, families, where);
    const sample = parseSample(line, where);
    const family = familyOf(sample.name, families);
    if (family === undefined) throw new Error(`${where}: sample before its # TYPE`);
    family.samples.push(sample);
  });
  return families;
}

function comment(line: string, families: Map<string, Family>, where: string): void {
  const m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(line);
  if (m === null) return; // other comments are allowed
  const [, kind, name, rest] = m as unknown as [string, string, string, string];
  let family = families.get(name);
  if (family === undefined) families.set(name, (family = { name, type: 'untyped', help: '', samples: [] }));
  if (kind === 'TYPE') {
    if (!TYPES.has(rest)) throw new Error(`${where}: unknown type ${rest}`);
    family.type = rest;
  } else {
    family.help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
  }
}

function familyOf(sampleName: string, families: Map<string, Family>): Family | undefined {
  const exact = families.get(sampleName);
  if (exact !== undefined) return exact;
  for (const suffix of SUFFIXES) {
    if (!sampleName.endsWith(suffix)) continue;
    const f = families.get(sampleName.slice(0, -suffix.length));
    if (f !== undefined && (f.type === 'histogram' || f.type === 'summary')) return f;
  }
  return undefined;
}

function parseSample(line: string, where: string): Sample {
  const name = NAME.exec(line)?.[0];
  if (name === undefined) throw new Error(`${where}: no metric name`);
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    // Bounded by the line: each pass consumes one label.
    while (!rest.startsWith('}')) {
      const label = LABEL_NAME.exec(rest)?.[0];
      if (label === undefined || rest[label.length] !== '=' || rest[label.length + 1] !== '"') throw new Error(`${where}: bad label`);
      const { value, end } = quoted(rest, label.length + 2, where);
      labels[label] = value;
      rest = rest.slice(end);
      if (rest.startsWith(',')) rest = rest.slice(1);
      else if (!rest.startsWith('}')) throw new Error(`${where}: expected , or }`);
    }
    rest = rest.slice(1);
  }
  const parts = rest.trim().split(/\s+/);
  if (!rest.startsWith(' ') || parts.length < 1 || parts.length > 2) throw new Error(`${where}: expected " value [timestamp]"`);
  const value = goParseFloat(parts[0]!);
  if (value === undefined) throw new Error(`${where}: bad value ${parts[0]!}`);
  if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new Error(`${where}: bad timestamp`);
  return { name, labels, value };
}

/** Go's strconv.ParseFloat, which Prometheus uses: specials are case-insensitive ("Nan", "+inf"). */
function goParseFloat(raw: string): number | undefined {
  const special = raw.toLowerCase().replace(/^\+/, '');
  if (special === 'nan') return NaN;
  if (special === 'inf' || special === 'infinity') return raw.startsWith('-') ? -Infinity : Infinity;
  if (special === '-inf' || special === '-infinity') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw)) return undefined;
  return Number(raw);
}

/** A label value from just after its opening quote: \\, \" and \n escapes. */
function quoted(s: string, from: number, where: string): { value: string; end: number } {
  let out = '';
  for (let i = from; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') return { value: out, end: i + 1 };
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = s[++i];
    if (next === 'n') out += '\n';
    else if (next === '\\' || next === '"') out += next;
    else throw new Error(`${where}: bad escape \\${next ?? ''}`);
  }
  throw new Error(`${where}: unterminated label value`);
}

/** The value of one sample (the first whose labels include `labels`). */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name !== name) continue;
      if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
    }
  }
  return undefined;
}
