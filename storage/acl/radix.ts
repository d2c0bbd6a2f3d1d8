// A radix (compressed prefix) tree with the three walks Consul's authorizer relies on
// (armon/go-radix Get, WalkPath, WalkPrefix): longest-prefix lookups cost one descent of at
// most key-length characters, whatever the number of rules. Built once per compiled
// authorizer and only read afterwards.

interface Leaf<V> {
  readonly key: string;
  readonly value: V;
}

interface RadixNode<V> {
  /** The edge label leading to this node (empty for the root). */
  label: string;
  leaf: Leaf<V> | undefined;
  /** Children by the first character of their label. */
  readonly children: Map<string, RadixNode<V>>;
}

/** Return true to stop the walk. */
export type Visit<V> = (key: string, value: V) => boolean;

function node<V>(label: string, leaf: Leaf<V> | undefined): RadixNode<V> {
  return { label, leaf, children: new Map() };
}

export class RadixTree<V> {
  private readonly root: RadixNode<V> = node('', undefined);

  /** Adds or replaces the value stored under `key`. */
  insert(key: string, value: V): void {
    const leaf = { key, value };
    let parent = this.root;
    let offset = 0;
    while (offset < key.length) {
      const first = key.charAt(offset);
      const child = parent.children.get(first);
      if (child === undefined) {
        parent.children.set(first, node(key.slice(offset), leaf));
        return;
      }
      const common = commonPrefixLength(child.label, key, offset);
      offset += common;
      if (common === child.label.length) {
        parent = child;
        continue;
      }
      // The key leaves the child's edge part-way: split the edge at the divergence.
      const split = node<V>(child.label.slice(0, common), undefined);
      parent.children.set(first, split);
      child.label = child.label.slice(common);
      split.children.set(child.label.charAt(0), child);
      if (offset === key.length) split.leaf = leaf;
      else split.children.set(key.charAt(offset), node(key.slice(offset), leaf));
      return;
    }
    parent.leaf = leaf;
  }

  get(key: string): V | undefined {
    let found: V | undefined;
    this.walkPath(key, (leafKey, value) => {
      if (leafKey === key) found = value;
      return false;
    });
    return found;
  }

  /** Visits the entries whose key is a prefix of `key` (including `key`), shortest first. */
  walkPath(key: string, visit: Visit<V>): void {
    let current = this.root;
    let offset = 0;
    while (true) {
      if (current.leaf !== undefined && visit(current.leaf.key, current.leaf.value)) return;
      if (offset === key.length) return;
      const child = current.children.get(key.charAt(offset));
      if (child === undefined || !key.startsWith(child.label, offset)) return;
      offset += child.label.length;
      current = child;
    }
  }

  /** Visits the entries whose key starts with `prefix` (including `prefix` itself). */
  walkPrefix(prefix: string, visit: Visit<V>): void {
    let current = this.root;
    let offset = 0;
    while (offset < prefix.length) {
      const child = current.children.get(prefix.charAt(offset));
      if (child === undefined) return;
      if (prefix.startsWith(child.label, offset)) {
        offset += child.label.length;
        current = child;
        continue;
      }
      // The prefix ends inside this edge: everything below it matches.
      if (child.label.startsWith(prefix.slice(offset))) walkSubtree(child, visit);
      return;
    }
    walkSubtree(current, visit);
  }

  /** Visits every entry. */
  walk(visit: Visit<V>): void {
    walkSubtree(this.root, visit);
  }
}

function walkSubtree<V>(start: RadixNode<V>, visit: Visit<V>): boolean {
  if (start.leaf !== undefined && visit(start.leaf.key, start.leaf.value)) return true;
  for (const child of start.children.values()) {
    if (walkSubtree(child, visit)) return true;
  }
  return false;
}

function commonPrefixLength(label: string, key: string, offset: number): number {
  const limit = Math.min(label.length, key.length - offset);
  let length = 0;
  while (length < limit && label.charCodeAt(length) === key.charCodeAt(offset + length)) length++;
  return length;
}
