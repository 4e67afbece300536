/**
 * Where memory is allocated, from a V8 sampling heap profile (HeapProfiler
 * sampling with collected objects included: garbage counts too). Each
 * sample goes to the nearest frame of the server's own code (apps/,
 * packages/), so that Node's and the libraries' allocations count for the
 * code that asked for them.
 */
export interface SamplingHeapProfile {
  head: SamplingNode;
}

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

export interface AllocationSummary {
  totalBytes: number;
  /** logins or messages in the phase */
  units: number;
  unit: string;
  top: { where: string; bytes: number }[];
}

const OWN = /\/(apps\/server|packages)\//;

export function summariseAllocations(profile: SamplingHeapProfile, units: number, unit: string, top = 15): AllocationSummary {
  const byOwner = new Map<string, number>();
  let totalBytes = 0;
  const walk = (node: SamplingNode, owner: string) => {
    const { functionName, url } = node.callFrame;
    const here = OWN.test(url) ? `${functionName || '(anonymous)'} ${url.slice(url.search(OWN) + 1)}` : owner;
    if (node.selfSize > 0) {
      totalBytes += node.selfSize;
      byOwner.set(here, (byOwner.get(here) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, here);
  };
  walk(profile.head, '(outside the server code)');
  const rows = [...byOwner].map(([where, bytes]) => ({ where, bytes })).sort((a, b) => b.bytes - a.bytes);
  return { totalBytes, units, unit, top: rows.slice(0, top) };
}

export function formatAllocations(a: AllocationSummary): string {
  const per = (bytes: number) => (bytes / Math.max(1, a.units) / 1024).toFixed(1);
  return [
    `Allocated ${(a.totalBytes / 1048576).toFixed(1)} MiB (garbage included): ${per(a.totalBytes)} KiB per ${a.unit}.`,
    '',
    `| allocated by (nearest server code) | KiB per ${a.unit} |`,
    '|---|---|',
    ...a.top.map((r) => `| ${r.where} | ${per(r.bytes)} |`),
  ].join('\n');
}
