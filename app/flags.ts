// Command-line flags parsed the way Go's `flag` package (and so Consul) parses them:
// `-name value`, `-name=value`, `--name` and `--name=value` are all the same flag; boolean
// flags take a value only as `-name=true|false`, never as the next argument; `--` ends the
// flags. The first argument that does not start with `-` ends them too, as in Go.

export type FlagKind = 'bool' | 'string' | 'int' | 'list';

export interface FlagSpec {
  readonly kind: FlagKind;
  readonly usage: string;
}

export type FlagValues = Record<string, boolean | string | number | string[]>;

export type ParseResult =
  | { readonly ok: true; readonly values: FlagValues; readonly rest: readonly string[] }
  | { readonly ok: false; readonly error: string };

/** Go's strconv.ParseBool. */
export function parseGoBool(raw: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(raw)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(raw)) return false;
  return undefined;
}

export function parseFlags(argv: readonly string[], specs: Readonly<Record<string, FlagSpec>>): ParseResult {
  const values: FlagValues = {};
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const spec = specs[name];
    if (spec === undefined) return { ok: false, error: `flag provided but not defined: -${name}` };
    let raw: string | undefined = eq === -1 ? undefined : body.slice(eq + 1);
    if (spec.kind === 'bool') {
      const value = raw === undefined ? true : parseGoBool(raw);
      if (value === undefined) return { ok: false, error: `invalid boolean value "${raw}" for -${name}` };
      values[name] = value;
      continue;
    }
    if (raw === undefined) {
      if (i + 1 >= argv.length) return { ok: false, error: `flag needs an argument: -${name}` };
      raw = argv[++i] as string;
    }
    const stored = storeValue(name, spec.kind, raw, values[name]);
    if (typeof stored === 'object' && 'error' in stored) return { ok: false, error: stored.error };
    values[name] = stored;
  }
  return { ok: true, values, rest: argv.slice(i) };
}

function storeValue(
  name: string,
  kind: Exclude<FlagKind, 'bool'>,
  raw: string,
  previous: FlagValues[string] | undefined,
): string | number | string[] | { error: string } {
  switch (kind) {
    case 'string':
      return raw;
    case 'int': {
      if (!/^[+-]?\d+$/.test(raw)) return { error: `invalid value "${raw}" for flag -${name}: parse error` };
      const n = Number(raw);
      if (!Number.isSafeInteger(n)) return { error: `invalid value "${raw}" for flag -${name}: value out of range` };
      return n;
    }
    case 'list':
      return [...(Array.isArray(previous) ? previous : []), raw];
  }
}

/** The usage text Go prints for a flag set: one block per flag, sorted by name. */
export function formatUsage(specs: Readonly<Record<string, FlagSpec>>): string {
  return Object.keys(specs)
    .sort()
    .map((name) => {
      const spec = specs[name] as FlagSpec;
      const arg = spec.kind === 'bool' ? '' : spec.kind === 'int' ? ' <int>' : ' <value>';
      return `  -${name}${arg}\n      ${spec.usage}`;
    })
    .join('\n');
}
