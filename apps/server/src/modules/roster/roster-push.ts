import { NS, xml, type Element, type Jid } from '@conexizan/protocol';
import type { RosterItem } from '@conexizan/storage';
import type { ServerCore } from '../../core/core.ts';
import { randomBytes } from 'node:crypto';

/** The <item/> of a roster result or push (RFC 6121 §2.1.2). */
export function rosterItemElement(item: RosterItem | { jid: string; removed: true }): Element {
  if ('removed' in item) return xml('item', { jid: item.jid, subscription: 'remove' });
  const el = xml('item', {
    jid: item.jid,
    name: item.name ?? undefined,
    subscription: item.subscription,
    ask: item.askSubscribe ? 'subscribe' : undefined,
    approved: item.approved ? 'true' : undefined,
  });
  for (const group of item.groups) el.append(xml('group', {}, group));
  return el;
}

/** RFC 6121 §2.1.6: a roster push to every interested resource of the user. */
export async function pushRosterItem(core: ServerCore, user: Jid, item: RosterItem | { jid: string; removed: true }, version: string): Promise<void> {
  for (const session of await core.sessions.resourcesOf(user.bare())) {
    if (!session.interested) continue;
    session.send(
      xml('iq', { type: 'set', id: `push-${randomBytes(6).toString('base64url')}`, to: session.jid.toString(), from: user.bare().toString() },
        xml('query', { xmlns: NS.ROSTER, ver: version }, rosterItemElement(item))),
    );
  }
}
