import { createHash } from 'node:crypto';
import { buildDataForm, discoInfoResult, discoItemsResult, NS, parseXml, ROOMCONFIG, xml, type Element, type Jid } from '@conexizan/protocol';
import type { Room } from './room.ts';
import { fail, type MucService } from './service.ts';

/**
 * Service discovery of the service, its rooms and their occupants
 * (XEP-0045 §6), the room's extended info (§15.5.4 muc#roominfo) and its
 * vCard with the room avatar (XEP-0054, avatar hash as in XEP-0486).
 * A room announces only what it does: the archive when archiving is on.
 */
const MAX_VCARD_CHARS = 128 * 1024;

export function serviceInfo(svc: MucService): Element {
  return discoInfoResult({
    identities: [{ category: 'conference', type: 'text', name: svc.settings.name }],
    // The service's rooms keep archives (XEP-0313). profanity 0.13 asks the user's archive for a
    // conversation's history only if the domain or one of its items lists MAM (Prosody's MUC does);
    // it never looks at the account (test/interop/profanity.test.ts).
    features: [NS.MUC, NS.DISCO_INFO, NS.DISCO_ITEMS, NS.MUC_UNIQUE, NS.MAM],
  });
}

/** §6.3: the public rooms (open to all, not hidden, configured). */
export function serviceItems(svc: MucService): Element {
  const rooms = [...svc.rooms.values()].filter((room) => room.config.public && !room.locked && !room.state.closed);
  rooms.sort((a, b) => a.jid.local.localeCompare(b.jid.local));
  return discoItemsResult(rooms.slice(0, 1000).map((room) => ({ jid: room.jid.toString(), name: room.config.name || room.jid.local })));
}

export function roomFeatures(room: Room): string[] {
  const c = room.config;
  const features = [
    NS.MUC,
    NS.DISCO_INFO,
    NS.DISCO_ITEMS,
    c.public ? 'muc_public' : 'muc_hidden',
    c.persistent ? 'muc_persistent' : 'muc_temporary',
    c.membersOnly ? 'muc_membersonly' : 'muc_open',
    c.moderated ? 'muc_moderated' : 'muc_unmoderated',
    c.whois === 'anyone' ? 'muc_nonanonymous' : 'muc_semianonymous',
    c.password ? 'muc_passwordprotected' : 'muc_unsecured',
    NS.MUC_STABLE_ID,
    NS.SID,
    NS.MUC_SELF_PING_OPTIMIZATION,
    NS.OCCUPANT_ID,
    NS.VCARD,
    NS.MODERATE,
    NS.MUC_REQUEST,
    NS.REGISTER,
  ];
  if (c.archiving) features.push(NS.MAM);
  return features;
}

export function roomInfo(room: Room, requester: Jid): Element {
  if (room.locked && room.affiliationOf(requester) !== 'owner') throw fail('item-not-found', 'cancel', 'no such room');
  const c = room.config;
  const fields = [
    { var: 'FORM_TYPE', type: 'hidden', values: [NS.MUC_ROOMINFO] },
    { var: 'muc#roominfo_lang', label: 'Language', values: [c.language] },
    { var: ROOMCONFIG.name, label: 'Name', values: [c.name] },
  ];
  // A private group tells outsiders that it exists and what it is, not what it is about or how many are in it.
  const outsider = c.membersOnly && room.affiliationOf(requester) === 'none' && !room.occupantOf(requester);
  if (!outsider) {
    fields.push(
      { var: 'muc#roominfo_description', label: 'Description', values: [c.description] },
      { var: 'muc#roominfo_occupants', label: 'Number of occupants', values: [String(room.occupants.size)] },
      { var: 'muc#roominfo_subject', label: 'Subject', values: [room.state.subject?.text ?? ''] },
    );
  }
  if (room.state.vcard?.photoHash) fields.push({ var: 'muc#roominfo_avatarhash', label: 'Avatar hash', values: [room.state.vcard.photoHash] });
  return discoInfoResult({
    identities: [{ category: 'conference', type: 'text', name: c.name || room.jid.local }],
    features: roomFeatures(room),
    forms: [buildDataForm({ type: 'result', fields })],
  });
}

/** §6.5: occupants are listed to people in the room only; strangers learn nothing of who is there. */
export function roomItems(room: Room, requester: Jid): Element {
  if (room.locked && room.affiliationOf(requester) !== 'owner') throw fail('item-not-found', 'cancel', 'no such room');
  if (!room.occupantOf(requester)) return discoItemsResult([]);
  return discoItemsResult([...room.occupants.keys()].sort().map((nick) => ({ jid: room.occupantJid(nick).toString() })));
}

export function roomVcard(room: Room): Element {
  if (!room.state.vcard) return xml('vCard', { xmlns: NS.VCARD });
  return parseXml(room.state.vcard.xml);
}

/** The owner sets the room's vCard; the photo's hash goes to disco#info and to everyone in the room. */
export async function setRoomVcard(svc: MucService, room: Room, from: Jid, vcard: Element): Promise<void> {
  if (room.affiliationOf(from) !== 'owner' && !svc.isOperator(from)) throw fail('forbidden', 'auth', 'only owners set the room vCard');
  const text = vcard.toString();
  if (text.length > MAX_VCARD_CHARS) throw fail('not-acceptable', 'modify', `a room vCard has at most ${MAX_VCARD_CHARS} characters`);
  const binval = vcard.getChild('PHOTO')?.getChildText('BINVAL')?.replace(/\s+/g, '');
  const photoHash = binval ? createHash('sha1').update(Buffer.from(binval, 'base64')).digest('hex') : null;
  room.state.vcard = vcard.getChildElements().length === 0 ? null : { xml: text, photoHash };
  await svc.persist(room);
  // XEP-0486 §3: the room tells its occupants its avatar changed.
  await svc.toEveryone(room, xml('presence', { from: room.jid.toString() }, xml('x', { xmlns: NS.VCARD_UPDATE }, xml('photo', {}, photoHash ?? ''))));
}
