import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS, xml } from '@conexizan/protocol';
import { createHarness, type Harness } from '../../testing/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  for (const name of ['romeo', 'juliet', 'nurse']) await h.createUser(name);
});
afterAll(() => h.stop());

const rosterGet = (ver?: string) => xml('iq', { type: 'get' }, xml('query', { xmlns: NS.ROSTER, ver }));

describe('roster (RFC 6121 §2)', () => {
  it('adds, renames and removes a contact with pushes and a new version each time', async () => {
    const romeo = await h.connect('romeo', 'phone');
    const first = await romeo.query(rosterGet(''));
    const v0 = first.getChild('query')!.attrs.ver as string;
    const set = await romeo.query(xml('iq', { type: 'set' }, xml('query', { xmlns: NS.ROSTER }, xml('item', { jid: 'juliet@localhost', name: 'Juliet' }, xml('group', {}, 'Capulets')))));
    expect(set.attrs.type).toBe('result');
    const push = await romeo.next((el) => el.attrs.type === 'set' && !!el.getChild('query', NS.ROSTER));
    const item = push.getChild('query')!.getChild('item')!;
    expect(item.attrs).toMatchObject({ jid: 'juliet@localhost', name: 'Juliet', subscription: 'none' });
    expect(item.getChildText('group')).toBe('Capulets');
    const v1 = push.getChild('query')!.attrs.ver as string;
    expect(v1).not.toBe(v0);

    // §2.6.3: a client whose copy is current gets an empty result.
    const current = await romeo.query(rosterGet(v1));
    expect(current.attrs.type).toBe('result');
    expect(current.getChild('query')).toBeUndefined();
    const stale = await romeo.query(rosterGet(v0));
    expect(stale.getChild('query')!.getChildren('item').map((i) => i.attrs.jid)).toEqual(['juliet@localhost']);

    await romeo.query(xml('iq', { type: 'set' }, xml('query', { xmlns: NS.ROSTER }, xml('item', { jid: 'juliet@localhost', subscription: 'remove' }))));
    const removal = await romeo.next((el) => el.attrs.type === 'set' && el.getChild('query')?.getChild('item')?.attrs.subscription === 'remove');
    expect(removal).toBeDefined();
    const after = await romeo.query(rosterGet());
    expect(after.getChild('query')!.getChildren('item')).toHaveLength(0);
  });

  it('answers bad roster sets with the RFC errors', async () => {
    const romeo = await h.connect('romeo', 'laptop');
    const twoItems = await romeo.query(xml('iq', { type: 'set' }, xml('query', { xmlns: NS.ROSTER }, xml('item', { jid: 'a@localhost' }), xml('item', { jid: 'b@localhost' }))));
    expect(twoItems.getChild('error')!.getChild('bad-request')).toBeDefined();
    const duplicateGroup = await romeo.query(xml('iq', { type: 'set' }, xml('query', { xmlns: NS.ROSTER }, xml('item', { jid: 'a@localhost' }, xml('group', {}, 'x'), xml('group', {}, 'x')))));
    expect(duplicateGroup.getChild('error')!.getChild('bad-request')).toBeDefined();
    const missing = await romeo.query(xml('iq', { type: 'set' }, xml('query', { xmlns: NS.ROSTER }, xml('item', { jid: 'nobody@localhost', subscription: 'remove' }))));
    expect(missing.getChild('error')!.getChild('item-not-found')).toBeDefined();
  });

  it("never shows one user's roster to another", async () => {
    const nurse = await h.connect('nurse');
    const reply = await nurse.query(xml('iq', { type: 'get', to: 'romeo@localhost' }, xml('query', { xmlns: NS.ROSTER })));
    expect(reply.attrs.type).toBe('error');
    expect(reply.getChild('error')!.getChild('forbidden')).toBeDefined();
    expect(reply.toString()).not.toContain('juliet');
  });
});
