// Expression + element type → a predicate over Consul-shaped JSON, after go-bexpr v0.1.2's
// validation pass (same checks, same order, same texts). Everything that can be done once —
// selector resolution, literal coercion, regex compilation — is done here, so evaluating a
// few thousand objects is only property reads and comparisons.
import { goQuote } from '../lib/go-strconv.ts';
import { GO_OPERATOR_NAMES, selectorText, type FilterExpr, type MatchExpr, type MatchOp } from './ast.ts';
import { parseFilter } from './parse.ts';
import { compileRegex } from './re2/index.ts';
import { isPrimitive, type FilterSchema, type FilterType, type PrimitiveType } from './schema.ts';
import { parseGoBool, parseGoFloat, parseGoInt, parseGoUint, type Parsed } from './strconv.ts';

/** go-bexpr's default MaxRawValueLength, in bytes of the unquoted literal. */
export const MAX_VALUE_LENGTH = 512;

export type CompiledFilter =
  | { readonly ok: true; readonly matches: (value: unknown) => boolean }
  | { readonly ok: false; readonly error: string };

type Predicate = (json: unknown) => boolean;
type Coerced = string | boolean | bigint | number;

class ValidationError extends Error {}

const ALL_OPS: Readonly<Record<'string' | 'scalar' | 'primitiveList' | 'list' | 'map' | 'struct', readonly MatchOp[]>> = {
  string: ['equal', 'notEqual', 'in', 'notIn', 'matches', 'notMatches'],
  scalar: ['equal', 'notEqual'],
  primitiveList: ['in', 'notIn', 'isEmpty', 'isNotEmpty'],
  list: ['isEmpty', 'isNotEmpty'],
  map: ['isEmpty', 'isNotEmpty', 'in', 'notIn'],
  struct: [],
};

function supportedOps(type: FilterType): readonly MatchOp[] {
  switch (type.kind) {
    case 'string':
      return ALL_OPS.string;
    case 'bool':
    case 'int':
    case 'float':
      return ALL_OPS.scalar;
    case 'list':
      return isPrimitive(type.element) ? ALL_OPS.primitiveList : ALL_OPS.list;
    case 'map':
      return ALL_OPS.map;
    case 'struct':
      return ALL_OPS.struct;
  }
}

/** The type selected by `name` below `type` (go-bexpr's SubFields), if any. */
function subfield(type: FilterType, name: string): FilterType | undefined {
  switch (type.kind) {
    case 'struct':
      return Object.hasOwn(type.fields, name) ? type.fields[name] : undefined;
    case 'map':
      return type.value;
    case 'list':
      return isPrimitive(type.element) ? undefined : subfield(type.element, name);
    default:
      return undefined;
  }
}

function coercePrimitive(type: PrimitiveType, raw: string): Parsed<Coerced> {
  switch (type.kind) {
    case 'string':
      return { ok: true, value: raw };
    case 'bool':
      return parseGoBool(raw);
    case 'int':
      return type.signed ? parseGoInt(raw, type.bits) : parseGoUint(raw, type.bits);
    case 'float':
      return parseGoFloat(raw, type.bits);
  }
}

/** The literal as the operator's operand type: the field's, a slice's element's, or a map key. */
function coerceOperand(type: FilterType, raw: string): Parsed<Coerced> {
  if (isPrimitive(type)) return coercePrimitive(type, raw);
  if (type.kind === 'list' && isPrimitive(type.element)) return coercePrimitive(type.element, raw);
  return { ok: true, value: raw };
}

const utf8 = new TextEncoder();

/** Resolves and checks one match the way go-bexpr's validateRecurse does, in its order. */
function validateMatch(m: MatchExpr, schema: FilterSchema): { type: FilterType; operand?: Coerced } {
  const sel = goQuote(selectorText(m.selector));
  if (m.value !== undefined && utf8.encode(m.value).length > MAX_VALUE_LENGTH) {
    const length = utf8.encode(m.value).length;
    throw new ValidationError(`Value in expression with length ${length} for selector ${sel} exceeds maximum length of ${MAX_VALUE_LENGTH}`);
  }
  let type: FilterType = schema;
  for (const [i, name] of m.selector.entries()) {
    const next = subfield(type, name);
    if (next === undefined) throw new ValidationError(`Selector ${goQuote(selectorText(m.selector.slice(0, i + 1)))} is not valid`);
    type = next;
  }
  if (!supportedOps(type).includes(m.op)) {
    throw new ValidationError(`Invalid match operator ${goQuote(GO_OPERATOR_NAMES[m.op])} for selector ${sel}`);
  }
  if (m.value === undefined) return { type };
  const coerced = coerceOperand(type, m.value);
  if (!coerced.ok) throw new ValidationError(`Failed to coerce value ${goQuote(m.value)} for selector ${sel}: ${coerced.error}`);
  return { type, operand: coerced.value };
}

const isObject = (json: unknown): json is Record<string, unknown> =>
  typeof json === 'object' && json !== null && !Array.isArray(json);
const EMPTY_LIST: readonly unknown[] = [];

/** `== operand` on a primitive as Go holds it: absent or null JSON is the zero value. */
function equalsOperand(type: PrimitiveType, operand: Coerced): Predicate {
  switch (type.kind) {
    case 'string':
      return (json) => (typeof json === 'string' ? json : '') === operand;
    case 'bool':
      return (json) => (json === true) === operand;
    case 'float':
      return type.bits === 32
        ? (json) => Math.fround(typeof json === 'number' ? json : 0) === operand
        : (json) => (typeof json === 'number' ? json : 0) === operand;
    case 'int': {
      const big = BigInt(operand);
      const small = Number(big);
      if (!Number.isSafeInteger(small)) {
        return (json) => (typeof json === 'bigint' ? json === big : typeof json === 'number' && Number.isInteger(json) && BigInt(json) === big);
      }
      return (json) => (typeof json === 'number' ? json : typeof json === 'bigint' ? Number(json) : 0) === small;
    }
  }
}

/** The positive form of an operator at the end of a selector; negations wrap it. */
function leafPredicate(type: FilterType, op: MatchOp, operand: Coerced | undefined): Predicate {
  switch (op) {
    case 'isEmpty':
      return type.kind === 'map'
        ? (json) => !isObject(json) || Object.keys(json).length === 0
        : (json) => !Array.isArray(json) || json.length === 0;
    case 'in':
      if (type.kind === 'map') return (json) => isObject(json) && Object.hasOwn(json, String(operand));
      if (type.kind === 'list' && isPrimitive(type.element)) {
        const equals = equalsOperand(type.element, operand ?? '');
        return (json) => (Array.isArray(json) ? json : EMPTY_LIST).some(equals);
      }
      return (json) => (typeof json === 'string' ? json : '').includes(String(operand));
    case 'matches': {
      const regex = compileRegex(String(operand));
      if (!regex.ok) throw new ValidationError(`Failed to compile regular expression ${goQuote(String(operand))}: ${regex.error}`);
      return (json) => regex.test(typeof json === 'string' ? json : '');
    }
    default:
      if (!isPrimitive(type)) throw new Error(`operator ${op} reached a ${type.kind} after validation`);
      return equalsOperand(type, operand ?? '');
  }
}

const POSITIVE: Readonly<Record<MatchOp, MatchOp>> = {
  equal: 'equal',
  notEqual: 'equal',
  in: 'in',
  notIn: 'in',
  isEmpty: 'isEmpty',
  isNotEmpty: 'isEmpty',
  matches: 'matches',
  notMatches: 'matches',
};

/**
 * What a match yields when a map lacks the selected key. This is go-bexpr v0.1.2's code:
 * only ==, `in` and `is not empty` are false; everything else, `matches` included, is true.
 */
const MISSING_KEY_RESULT: Readonly<Record<MatchOp, boolean>> = {
  equal: false,
  in: false,
  isNotEmpty: false,
  notEqual: true,
  notIn: true,
  isEmpty: true,
  matches: true,
  notMatches: true,
};

/** Walks the selector from `depth`: struct fields, map keys, and any-element over slices. */
function access(type: FilterType, m: MatchExpr, depth: number, leaf: (type: FilterType) => Predicate): Predicate {
  const inner = accessInner(type, m, depth, leaf);
  const read = type.read;
  return read === undefined ? inner : (json) => inner(read(json));
}

function accessInner(type: FilterType, m: MatchExpr, depth: number, leaf: (type: FilterType) => Predicate): Predicate {
  const name = m.selector[depth];
  if (name === undefined) return leaf(type);
  switch (type.kind) {
    case 'struct': {
      const field = type.fields[name];
      if (field === undefined) throw new Error(`selector ${selectorText(m.selector)} names an unknown field after validation`);
      const next = access(field, m, depth + 1, leaf);
      return (json) => next(isObject(json) && Object.hasOwn(json, name) ? json[name] : undefined);
    }
    case 'list': {
      const each = access(type.element, m, depth, leaf);
      return (json) => (Array.isArray(json) ? json : EMPTY_LIST).some(each);
    }
    case 'map': {
      const next = access(type.value, m, depth + 1, leaf);
      const missing = MISSING_KEY_RESULT[m.op];
      return (json) => (isObject(json) && Object.hasOwn(json, name) ? next(json[name]) : missing);
    }
    default:
      throw new Error(`selector ${selectorText(m.selector)} descends into a ${type.kind} after validation`);
  }
}

function compileMatch(m: MatchExpr, schema: FilterSchema): Predicate {
  const { operand } = validateMatch(m, schema);
  const negate = POSITIVE[m.op] !== m.op;
  return access(schema, m, 0, (type) => {
    const positive = leafPredicate(type, POSITIVE[m.op], operand);
    return negate ? (json) => !positive(json) : positive;
  });
}

/** The operands of a chain of the same operator, left to right: a and (b and c) → [a, b, c]. */
function chain(expr: FilterExpr & { kind: 'and' | 'or' }): FilterExpr[] {
  const out: FilterExpr[] = [];
  const pending: FilterExpr[] = [expr];
  while (pending.length > 0) {
    const e = pending.pop();
    if (e === undefined) break;
    if (e.kind === expr.kind) pending.push(e.right, e.left);
    else out.push(e);
  }
  return out;
}

function compileExpr(expr: FilterExpr, schema: FilterSchema): Predicate {
  switch (expr.kind) {
    case 'match':
      return compileMatch(expr, schema);
    case 'not': {
      const operand = compileExpr(expr.operand, schema);
      return (json) => !operand(json);
    }
    case 'and': {
      const all = chain(expr).map((e) => compileExpr(e, schema));
      return (json) => all.every((p) => p(json));
    }
    case 'or': {
      const any = chain(expr).map((e) => compileExpr(e, schema));
      return (json) => any.some((p) => p(json));
    }
  }
}

/** Validates an already parsed expression against the element type and builds its predicate. */
export function compileFilterExpr(expr: FilterExpr, schema: FilterSchema): CompiledFilter {
  try {
    return { ok: true, matches: compileExpr(expr, schema) };
  } catch (err) {
    if (err instanceof ValidationError) return { ok: false, error: err.message };
    throw err;
  }
}

/**
 * Compiles a `?filter=` expression for one endpoint's element type. The error text is
 * go-bexpr's without Consul's "Failed to create boolean expression evaluator: " prefix (the
 * HTTP layer adds it and answers 500). An empty expression filters nothing, as in Consul.
 */
export function compileFilter(expression: string, schema: FilterSchema): CompiledFilter {
  if (expression === '') return { ok: true, matches: () => true };
  const parsed = parseFilter(expression);
  return parsed.ok ? compileFilterExpr(parsed.expr, schema) : parsed;
}
