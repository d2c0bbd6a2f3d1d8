// The syntax tree both rule syntaxes are read into before decoding. It mirrors the shape of
// hashicorp/hcl v1's ast package (ObjectList, ObjectItem, ObjectType, ListType, LiteralType)
// because Consul's decoding quirks — which key forms count, what a JSON object flattens to, what
// each error names — are properties of that tree, and mirroring it is how we reproduce them.

/** A source position; null where HCL has none (everything read from JSON). */
export interface Pos {
  readonly line: number;
  readonly column: number;
}

/** HCL's Pos.String(): "line:column", or "-" for an invalid position. */
export function formatPos(pos: Pos | null): string {
  return pos === null ? '-' : `${pos.line}:${pos.column}`;
}

export interface HclKey {
  /** The token as written (quotes included for string keys). */
  readonly text: string;
  /** The key's value: the identifier, or the unquoted string. */
  readonly value: string;
  readonly pos: Pos | null;
}

export type LiteralType = 'STRING' | 'NUMBER' | 'FLOAT' | 'BOOL';

export interface HclLiteral {
  readonly kind: 'literal';
  readonly type: LiteralType;
  /** Unquoted value for strings, the token text otherwise. */
  readonly value: string;
  readonly pos: Pos | null;
}

export interface HclObjectList {
  readonly kind: 'list';
  readonly items: readonly HclItem[];
}

export interface HclObject {
  readonly kind: 'object';
  readonly list: HclObjectList;
  /** Position of `{`. */
  readonly pos: Pos | null;
}

export interface HclArray {
  readonly kind: 'array';
  readonly elements: readonly HclValue[];
  readonly pos: Pos | null;
}

export type HclValue = HclLiteral | HclObject | HclArray;

/**
 * `k1 "k2" { … }` or `k = v`. A block's labels are extra keys; JSON nesting flattens into the
 * same multi-key shape (see json-source.ts).
 */
export interface HclItem {
  readonly keys: readonly HclKey[];
  /** Position of `=` for an assignment, null for a block. */
  readonly assign: Pos | null;
  readonly value: HclValue;
}

/** What the decoder may be handed: a bare item list or one of the value nodes. */
export type HclNode = HclObjectList | HclValue;

/** Position Go's ast reports for a node (ObjectList: its first item's first key). */
export function nodePos(node: HclNode): Pos | null {
  switch (node.kind) {
    case 'list':
      return node.items[0]?.keys[0]?.pos ?? null;
    case 'object':
    case 'array':
    case 'literal':
      return node.pos;
  }
}

/** Go's %T of the node, as hcl's decode errors print it. */
export function goTypeName(node: HclNode): string {
  switch (node.kind) {
    case 'list':
      return '*ast.ObjectList';
    case 'object':
      return '*ast.ObjectType';
    case 'array':
      return '*ast.ListType';
    case 'literal':
      return '*ast.LiteralType';
  }
}
