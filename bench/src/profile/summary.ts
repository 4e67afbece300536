/**
 * Where the time goes in a V8 CPU profile (.cpuprofile), by area of the
 * server: XML parsing, serialization, routing, storage, TLS… Each sample's
 * time goes to the function that was running; a native or built-in function
 * without a source URL (a SQLite call, a TLS write, JSON.parse) counts for
 * the nearest caller that has one, so it lands in the area that asked for it;
 * so do Node's own JS modules (TextDecoder for Prisma counts as storage) and
 * WebAssembly (Prisma's query compiler), except the socket and TLS modules.
 */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** First match wins; tested against the source URL of the function. */
export const AREAS: [area: string, pattern: RegExp][] = [
  ['XML parsing', /ltx\/lib\/parsers|ltx\/lib\/Parser|@xmpp\/xml\/lib\/Parser|\/saxes\/|\/sax\//],
  ['XML serialization', /ltx\/lib\/(Element|stringify|escape|clone|equal)|@xmpp\/xml\/(lib\/)?(Element|escape|index)/],
  ['storage (Prisma, SQLite)', /prisma|packages\/storage\/|libsql|sqlite/i],
  ['TLS (JS side: handshakes, session setup)', /node:tls|node:_tls|node:internal\/tls/],
  // A TLS socket encrypts inside its native write, so TLS record work is counted here.
  ['socket reads and writes (TLS encryption included)', /node:net|stream_base_commons|node:internal\/streams|node:stream|\/ws\/lib\//],
  ['crypto', /packages\/crypto\/|node:crypto|node:internal\/crypto/],
  ['routing, hooks, sessions (core)', /apps\/server\/src\/core\//],
  ['c2s streams and SASL', /apps\/server\/src\/c2s\//],
  ['module: archive (MAM)', /apps\/server\/src\/modules\/(mam|archive)/],
  ['module: roster and presence', /apps\/server\/src\/modules\/(roster|presence)/],
  ['other modules', /apps\/server\/src\/modules\//],
  ['protocol (JID, stanzas, XML helpers)', /packages\/protocol\/|apps\/server\/src\/xml\//],
  ['logging and metrics', /pino|prom-client|apps\/server\/src\/(log|metrics)/],
  ['other server code', /apps\/server\/src\//],
];
/** Frames that do work for their caller: counted for the nearest caller outside them. */
const PASS_THROUGH = /^(node:|wasm:\/\/)/;
const UNOWNED = 'Node internals (event loop, timers, promises)';

export interface AreaTime {
  area: string;
  ms: number;
  /** share of the busy (non-idle) time */
  percent: number;
}

export interface ProfileSummary {
  wallMs: number;
  busyMs: number;
  areas: AreaTime[];
  topFunctions: { name: string; where: string; area: string; ms: number; percent: number }[];
}

/** The area of a source URL, or null for a frame that works for its caller (native, Node's own JS, wasm). */
export function classify(url: string): string | null {
  if (!url) return null;
  for (const [area, pattern] of AREAS) if (pattern.test(url)) return area;
  return PASS_THROUGH.test(url) ? null : 'other (dependencies)';
}

export function summariseProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));

  const areaOf = (id: number): string => {
    const name = byId.get(id)!.callFrame.functionName;
    if (name === '(idle)') return 'idle';
    if (name === '(garbage collector)') return 'garbage collection';
    if (name === '(program)') return 'V8 and native, unattributed';
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const area = classify(byId.get(at)!.callFrame.url);
      if (area) return area;
    }
    return UNOWNED;
  };

  const areas = new Map<string, number>();
  const functions = new Map<string, { name: string; where: string; area: string; ms: number }>();
  for (const [id, ms] of self) {
    const area = areaOf(id);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    if (area === 'idle') continue;
    const frame = byId.get(id)!.callFrame;
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '(native)';
    const key = `${frame.functionName}@${where}`;
    const entry = functions.get(key) ?? { name: frame.functionName || '(anonymous)', where, area, ms: 0 };
    entry.ms += ms;
    functions.set(key, entry);
  }
  const idle = areas.get('idle') ?? 0;
  areas.delete('idle');
  const busyMs = [...areas.values()].reduce((a, b) => a + b, 0);
  const pct = (ms: number) => (busyMs > 0 ? (100 * ms) / busyMs : 0);
  return {
    wallMs: busyMs + idle,
    busyMs,
    areas: [...areas].map(([area, ms]) => ({ area, ms, percent: pct(ms) })).sort((a, b) => b.ms - a.ms),
    topFunctions: [...functions.values()].sort((a, b) => b.ms - a.ms).slice(0, top).map((f) => ({ ...f, percent: pct(f.ms) })),
  };
}

/** The part of a file URL after node_modules or the repository root. */
function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) return path.slice(nm + 'node_modules/'.length);
  const repo = /\/(apps|packages|bench)\//.exec(path);
  return repo ? path.slice(repo.index + 1) : path;
}

export function formatSummary(s: ProfileSummary): string {
  const lines = [
    `Main thread busy ${(s.busyMs / 1000).toFixed(1)} s of ${(s.wallMs / 1000).toFixed(1)} s profiled.`,
    '',
    '| area | self time (s) | share of busy time |',
    '|---|---|---|',
    ...s.areas.map((a) => `| ${a.area} | ${(a.ms / 1000).toFixed(2)} | ${a.percent.toFixed(1)} % |`),
    '',
    '| function | where | area | self (s) | share |',
    '|---|---|---|---|---|',
    ...s.topFunctions.map((f) => `| ${f.name} | ${f.where} | ${f.area} | ${(f.ms / 1000).toFixed(2)} | ${f.percent.toFixed(1)} % |`),
  ];
  return lines.join('\n');
}
