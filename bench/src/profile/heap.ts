/**
 * What a heap holds, by kind of object, from a V8 heap snapshot
 * (.heapsnapshot): for each constructor (objects), function (closures) or
 * kind of internal (arrays, strings, code, native) the count and the bytes of
 * the objects themselves ("self size", as DevTools' Summary shows it). Two
 * snapshots, before the sessions and with them idle, give what one session
 * costs in each kind.
 */
interface HeapSnapshotJson {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapKind {
  /** "Map (object)", "onData (closure)", "(string)", "(compiled code)"… */
  kind: string;
  count: number;
  bytes: number;
}

/** Strings, numbers and code are lumped per type; objects and closures go by their names. */
const BY_NAME = new Set(['object', 'closure', 'native', 'hidden', 'array']);

export function heapKinds(text: string): Map<string, HeapKind> {
  const json = JSON.parse(text) as HeapSnapshotJson;
  const fields = json.snapshot.meta.node_fields;
  const types = json.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const kinds = new Map<string, HeapKind>();
  const nodes = json.nodes;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]!]!;
    const kind = BY_NAME.has(type) ? `${json.strings[nodes[i + nameAt]!]!.slice(0, 60)} (${type})` : `(${type})`;
    let entry = kinds.get(kind);
    if (!entry) kinds.set(kind, (entry = { kind, count: 0, bytes: 0 }));
    entry.count++;
    entry.bytes += nodes[i + sizeAt]!;
  }
  return kinds;
}

export interface HeapGrowth {
  /** total self size before and after */
  beforeBytes: number;
  afterBytes: number;
  sessions: number;
  /** the kinds that grew most, per session */
  top: { kind: string; countPerSession: number; bytesPerSession: number }[];
}

export function heapGrowth(before: Map<string, HeapKind>, after: Map<string, HeapKind>, sessions: number, top = 30): HeapGrowth {
  const sum = (m: Map<string, HeapKind>) => [...m.values()].reduce((s, k) => s + k.bytes, 0);
  const rows = [...after.values()].map((k) => {
    const b = before.get(k.kind);
    return { kind: k.kind, countPerSession: (k.count - (b?.count ?? 0)) / sessions, bytesPerSession: (k.bytes - (b?.bytes ?? 0)) / sessions };
  });
  rows.sort((a, b) => b.bytesPerSession - a.bytesPerSession);
  return { beforeBytes: sum(before), afterBytes: sum(after), sessions, top: rows.slice(0, top) };
}

export function formatHeapGrowth(g: HeapGrowth): string {
  const lines = [
    `Heap (objects' own sizes, after a full collection): ${(g.beforeBytes / 1048576).toFixed(1)} MiB before the logins, ${(g.afterBytes / 1048576).toFixed(1)} MiB with ${g.sessions} idle sessions: ` +
      `${((g.afterBytes - g.beforeBytes) / g.sessions / 1024).toFixed(1)} KiB per session.`,
    '',
    '| kind | per session: count | per session: bytes |',
    '|---|---|---|',
  ];
  for (const row of g.top) lines.push(`| ${row.kind.replace(/\|/g, '\\|')} | ${row.countPerSession.toFixed(2)} | ${Math.round(row.bytesPerSession)} |`);
  return lines.join('\n');
}
