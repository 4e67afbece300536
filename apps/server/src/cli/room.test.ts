import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { configSchema } from '../config/schema.ts';
import { createRoom, enter, errorCondition, groupchat, room, statusCodes } from '../modules/muc/testing.ts';
import { createHarness } from '../testing/harness.ts';
import { runRoom } from './room.ts';

/**
 * `conexizan room …` on what a stopped server stored (beside a running one it
 * acts through the control channel, see test/interop/cli-control.test.ts): each change is
 * checked the way a user meets it, by starting the server again on the
 * same data and entering the room.
 */
async function run(config: ReturnType<typeof configSchema.parse>, args: string[], options: { reason?: string; venue?: string } = {}) {
  let out = '';
  let err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  try {
    const code = await runRoom(config, args, options);
    return { code, out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe('conexizan room', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cnx-room-cli-'));
  const config = configSchema.parse({ domain: 'localhost', data_dir: dataDir });

  /** Starts the server on the stored data, lets `story` use it, stops it again. */
  async function withServer(story: (h: Awaited<ReturnType<typeof createHarness>>) => Promise<void>) {
    const h = await createHarness({ data_dir: dataDir });
    try {
      await story(h);
    } finally {
      await h.stop();
    }
  }

  it('lists, shows, closes, reopens and destroys stored rooms, as the ad-hoc commands do', async () => {
    await withServer(async (h) => {
      for (const user of ['alice', 'bob']) await h.createUser(user);
      const alice = await h.connect('alice');
      await createRoom(alice, room('lounge'), 'Alice', { 'muc#roomconfig_roomname': 'The lounge', 'muc#roomconfig_whois': 'anyone' });
      await createRoom(alice, room('old'), 'Alice');
      await alice.sendStanza(groupchat(room('old'), 'an old message'));
      await alice.next((el) => el.getChildText('body') === 'an old message');
    });

    const list = await run(config, ['list']);
    expect(list.code).toBe(0);
    expect(list.out).toBe(`${room('lounge')}: 0 in the room, persistent, public, open\n${room('old')}: 0 in the room, persistent, public, open\n2 rooms\n`);
    const info = await run(config, ['info', 'lounge']);
    expect(info.out).toMatch(/^name: The lounge$/m);
    expect(info.out).toMatch(/^owners: alice@localhost$/m);
    expect(info.out).toMatch(/^addresses shown to: anyone$/m);
    expect(info.out).not.toContain('an old message');

    expect((await run(config, ['lock', room('lounge')])).code).toBe(0);
    expect((await run(config, ['destroy', 'old'], { reason: 'moved', venue: room('lounge') })).code).toBe(0);
    expect((await run(config, ['list'])).out).toBe(`${room('lounge')}: 0 in the room, persistent, public, open, closed\n1 room\n`);

    await withServer(async (h) => {
      const bob = await h.connect('bob');
      expect(errorCondition(await enter(bob, room('lounge'), 'Bob'))).toBe('not-allowed');
      // The destroyed room is gone: entering it creates a new one (201).
      const alice = await h.connect('alice');
      const own = await enter(alice, room('old'), 'Alice');
      expect(statusCodes(own)).toContain(201);
    });

    expect((await run(config, ['unlock', 'lounge'])).code).toBe(0);
    await withServer(async (h) => {
      const bob = await h.connect('bob');
      expect(statusCodes(await enter(bob, room('lounge'), 'Bob'))).toContain(110);
    });
  });

  it('says what is wrong with a command or a room', async () => {
    expect((await run(config, ['lock', 'nosuchroom'])).err).toMatch(/no such room/);
    expect((await run(config, ['lock', 'nosuchroom'])).code).toBe(1);
    expect((await run(config, ['lock', 'lounge@elsewhere.example'])).code).toBe(1);
    for (const args of [[], ['lock'], ['list', 'lounge'], ['rename', 'lounge'], ['info', 'lounge', 'extra']]) expect((await run(config, args)).code).toBe(2);
    expect((await run(config, ['lock', 'lounge'], { reason: 'no' })).code).toBe(2);
    const off = configSchema.parse({ domain: 'localhost', data_dir: dataDir, muc: { enabled: false } });
    expect((await run(off, ['list'])).code).toBe(1);
  });
});
