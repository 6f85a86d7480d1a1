/** How a value changed between two states. */
export type DiffStatus = 'added' | 'removed' | 'changed' | 'unchanged';

/** One value in a diff: a leaf (scalar, or a value whose shape changed) or a container. */
export type DiffNode =
  | { readonly kind: 'leaf'; readonly status: DiffStatus; readonly before?: unknown; readonly after?: unknown }
  | { readonly kind: 'object' | 'array'; readonly status: DiffStatus; readonly entries: readonly DiffEntry[] };

/** A key (or index) of a container with its diff. */
export type DiffEntry = { readonly key: string; readonly node: DiffNode };

/** Counts of changed leaves and keys. */
export type DiffSummary = { readonly added: number; readonly removed: number; readonly changed: number };

type Container = { kind: 'object'; value: Record<string, unknown> } | { kind: 'array'; value: unknown[] };

function container(value: unknown): Container | undefined {
  if (Array.isArray(value)) return { kind: 'array', value };
  if (value !== null && typeof value === 'object') return { kind: 'object', value: value as Record<string, unknown> };
  return undefined;
}

function keysOf(value: Container): string[] {
  return value.kind === 'array' ? value.value.map((_, i) => String(i)) : Object.keys(value.value);
}

function childOf(value: Container, key: string): unknown {
  return value.kind === 'array' ? value.value[Number(key)] : value.value[key];
}

function has(value: Container, key: string): boolean {
  return value.kind === 'array' ? Number(key) < value.value.length : Object.prototype.hasOwnProperty.call(value.value, key);
}

/** A whole value that exists on one side only: every leaf below it is added (or removed). */
function oneSided(value: unknown, status: 'added' | 'removed'): DiffNode {
  const box = container(value);
  const side = status === 'added' ? 'after' : 'before';
  if (!box) return { kind: 'leaf', status, [side]: value };
  return { kind: box.kind, status, entries: keysOf(box).map((key) => ({ key, node: oneSided(childOf(box, key), status) })) };
}

/**
 * A structural diff of two JSON values: objects by key (keys of `after` in
 * their order, then removed keys), arrays by index. A value whose shape
 * changes (object to scalar, array to object, ...) is one changed leaf.
 */
export function diffJson(before: unknown, after: unknown): DiffNode {
  if (before === undefined && after === undefined) return { kind: 'leaf', status: 'unchanged' };
  if (before === undefined) return oneSided(after, 'added');
  if (after === undefined) return oneSided(before, 'removed');
  const a = container(before);
  const b = container(after);
  if (a && b && a.kind === b.kind) {
    const keys = [...keysOf(b), ...keysOf(a).filter((key) => !has(b, key))];
    const entries = keys.map((key) => ({ key, node: diffJson(has(a, key) ? childOf(a, key) : undefined, has(b, key) ? childOf(b, key) : undefined) }));
    const status = entries.every((entry) => entry.node.status === 'unchanged') ? 'unchanged' : 'changed';
    return { kind: b.kind, status, entries };
  }
  if (!a && !b && Object.is(before, after)) return { kind: 'leaf', status: 'unchanged', before, after };
  return { kind: 'leaf', status: 'changed', before, after };
}

/** A value compared with itself: renders as plain JSON with the diff renderer. */
export function sameJson(value: unknown): DiffNode {
  return diffJson(value, value);
}

/** How many leaves were added, removed or changed. */
export function summarize(node: DiffNode): DiffSummary {
  if (node.kind !== 'leaf' && node.entries.length === 0 && (node.status === 'added' || node.status === 'removed')) {
    return { added: node.status === 'added' ? 1 : 0, removed: node.status === 'removed' ? 1 : 0, changed: 0 };
  }
  if (node.kind === 'leaf') {
    return { added: node.status === 'added' ? 1 : 0, removed: node.status === 'removed' ? 1 : 0, changed: node.status === 'changed' ? 1 : 0 };
  }
  return node.entries.reduce<DiffSummary>(
    (sum, { node: child }) => {
      const s = summarize(child);
      return { added: sum.added + s.added, removed: sum.removed + s.removed, changed: sum.changed + s.changed };
    },
    { added: 0, removed: 0, changed: 0 },
  );
}
