import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../testing/harness.ts';
import { createRoom, enter, isPresenceFrom, item, room, statusCodes } from './testing.ts';

/** How occupants leave when their client does not say so. */
let h: Harness;
let n = 0;
const session = (user: string) => h.connect(user, `l${++n}`);

beforeAll(async () => {
  h = await createHarness();
  for (const user of ['alice', 'bob']) await h.createUser(user);
});
afterAll(() => h.stop());

describe('leaving with the stream', () => {
  it('takes out an occupant whose client never sent its own presence when its stream ends, freeing the nickname', async () => {
    const alice = await session('alice');
    await createRoom(alice, room('ghosts'), 'Alice');
    const bob = await session('bob'); // joins with directed presence only, no initial presence
    await enter(bob, room('ghosts'), 'Bob');
    const gone = alice.next((el) => isPresenceFrom(`${room('ghosts')}/Bob`)(el) && el.attrs.type === 'unavailable');
    await bob.disconnect();
    expect(item(await gone).role).toBe('none');
    const again = await session('bob');
    expect(statusCodes(await enter(again, room('ghosts'), 'Bob'))).toContain(110);
  });

  it('keeps the occupant while another of its sessions is still in the room', async () => {
    const alice = await session('alice');
    await createRoom(alice, room('twodevices'), 'Alice');
    const phone = await session('bob');
    const laptop = await session('bob');
    await enter(phone, room('twodevices'), 'Bob');
    await enter(laptop, room('twodevices'), 'Bob');
    const update = alice.next((el) => isPresenceFrom(`${room('twodevices')}/Bob`)(el));
    await phone.disconnect();
    const seen = await update;
    expect(seen.attrs.type).toBeUndefined();
    expect(item(seen).role).toBe('participant');
  });
});
