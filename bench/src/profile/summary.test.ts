import { describe, expect, it } from 'vitest';
import { summariseProfile, type CpuProfile } from './summary.ts';

const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({ id, callFrame: { functionName, url, lineNumber: 0 }, children });

describe('summariseProfile', () => {
  // root → router → (prisma → native SQLite call), router → ltx parser, plus idle and GC
  const profile: CpuProfile = {
    nodes: [
      frame(1, '(root)', '', [2, 6, 7]),
      frame(2, 'route', 'file:///work/main/apps/server/src/core/router.ts', [3, 5]),
      frame(3, 'query', 'file:///work/main/node_modules/@prisma/client/runtime/client.js', [4]),
      frame(4, 'all', ''),
      frame(5, 'write', 'file:///work/main/node_modules/ltx/lib/parsers/ltx.js'),
      frame(6, '(idle)', ''),
      frame(7, '(garbage collector)', ''),
    ],
    samples: [2, 3, 4, 4, 5, 6, 6, 7],
    timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
    startTime: 0,
    endTime: 8000,
  };

  it('puts native time under the area of its nearest caller with a source, and leaves idle out', () => {
    const s = summariseProfile(profile);
    expect(s.busyMs).toBe(6);
    expect(s.wallMs).toBe(8);
    expect(Object.fromEntries(s.areas.map((a) => [a.area, a.ms]))).toEqual({
      'storage (Prisma, SQLite)': 3,
      'routing, hooks, sessions (core)': 1,
      'XML parsing': 1,
      'garbage collection': 1,
    });
    expect(s.areas[0]).toMatchObject({ area: 'storage (Prisma, SQLite)', percent: 50 });
    expect(s.topFunctions[0]).toMatchObject({ name: 'all', where: '(native)', ms: 2 });
  });
});
