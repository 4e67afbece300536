import { NS, statusCodes as codesOf, xml, type Element } from '@conexizan/protocol';
import type { TestSession } from '../../testing/harness.ts';

/** Helpers for the group chat module tests: what a client sends to enter, configure and talk. */
export const SERVICE = 'conference.localhost';
export const room = (name: string) => `${name}@${SERVICE}`;

export const isPresenceFrom = (from: string) => (el: Element) => el.name === 'presence' && el.attrs.from === from;
export const isMessageFrom = (from: string) => (el: Element) => el.name === 'message' && el.attrs.from === from;
export const statusCodes = (el: Element) => codesOf(el.getChild('x', NS.MUC_USER));
export const item = (el: Element) => el.getChild('x', NS.MUC_USER)?.getChild('item')?.attrs ?? {};
export const errorCondition = (el: Element) => el.getChild('error')?.getChildElements()[0]?.name;

/** Sends the join presence and waits for the self-presence (status 110) or the error. */
export async function enter(session: TestSession, roomJid: string, nick: string, extra: Element[] = []): Promise<Element> {
  const from = `${roomJid}/${nick}`;
  const reply = session.next((el) => el.name === 'presence' && el.attrs.from === from && (el.attrs.type === 'error' || statusCodes(el).includes(110)));
  await session.sendStanza(xml('presence', { to: from }, xml('x', { xmlns: NS.MUC }, ...extra)));
  return reply;
}

export function ownerQuery(roomJid: string, ...children: Element[]): Element {
  return xml('iq', { type: 'set', to: roomJid }, xml('query', { xmlns: NS.MUC_OWNER }, ...children));
}

export function submitForm(fields: Record<string, string | string[]>): Element {
  return xml(
    'x',
    { xmlns: NS.DATA_FORMS, type: 'submit' },
    xml('field', { var: 'FORM_TYPE' }, xml('value', {}, NS.MUC_ROOMCONFIG)),
    ...Object.entries(fields).map(([name, value]) => xml('field', { var: name }, ...(Array.isArray(value) ? value : [value]).map((v) => xml('value', {}, v)))),
  );
}

/** Creates a room owned by `owner` and configures it (an instant room when no fields are given). */
export async function createRoom(owner: TestSession, roomJid: string, nick: string, fields: Record<string, string | string[]> = {}): Promise<Element> {
  const self = await enter(owner, roomJid, nick);
  const form = Object.keys(fields).length ? submitForm(fields) : xml('x', { xmlns: NS.DATA_FORMS, type: 'submit' });
  const result = await owner.query(ownerQuery(roomJid, form));
  if (result.attrs.type !== 'result') throw new Error(`configuring ${roomJid} failed: ${result.toString()}`);
  return self;
}

export function adminQuery(roomJid: string, type: 'get' | 'set', ...items: Element[]): Element {
  return xml('iq', { type, to: roomJid }, xml('query', { xmlns: NS.MUC_ADMIN }, ...items));
}

export function groupchat(roomJid: string, body: string): Element {
  return xml('message', { to: roomJid, type: 'groupchat' }, xml('body', {}, body));
}
