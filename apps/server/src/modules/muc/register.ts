import { buildDataForm, formValue, NS, parseDataForm, prepResourcepart, xml, type Element, type Jid } from '@conexizan/protocol';
import type { Room } from './room.ts';
import { fail, type MucService } from './service.ts';

/**
 * Registering with a room (XEP-0045 §7.10): a person reserves a nick and
 * becomes a member; nobody else may enter under that nick, and the nick is
 * found again through disco#info node x-roomuser-item (§7.12). Members-only
 * rooms take registrations only from people already on their lists.
 */
export const RESERVED_NICK_NODE = 'x-roomuser-item';
const MAX_NICK = 64;

export function registrationForm(room: Room, from: Jid): Element {
  const entry = room.state.affiliations[from.bare().toString()];
  if (entry?.nick) return xml('query', { xmlns: NS.REGISTER }, xml('registered'), xml('username', {}, entry.nick));
  const form = buildDataForm({
    type: 'form',
    title: `Register with ${room.config.name || room.jid.local}`,
    instructions: ['Choose the nickname you want to keep in this room.'],
    fields: [
      { var: 'FORM_TYPE', type: 'hidden', values: [NS.MUC_REGISTER] },
      { var: 'muc#register_roomnick', type: 'text-single', label: 'Nickname', required: true, values: [] },
    ],
  });
  return xml('query', { xmlns: NS.REGISTER }, xml('instructions', {}, 'Fill in the form to reserve a nickname.'), form);
}

export async function register(svc: MucService, room: Room, from: Jid, query: Element): Promise<void> {
  const bare = from.bare().toString();
  const affiliation = room.affiliationOf(bare);
  if (affiliation === 'outcast') throw fail('forbidden', 'auth', 'you are banned from this room');
  if (query.getChild('remove')) {
    const entry = room.state.affiliations[bare];
    if (!entry) throw fail('item-not-found', 'cancel', 'you are not registered here');
    if (entry.affiliation === 'member') room.setAffiliation(bare, 'none');
    else delete entry.nick;
    await svc.persist(room);
    return;
  }
  const x = query.getChild('x', NS.DATA_FORMS);
  if (!x) throw fail('bad-request', 'modify', 'submit the registration form');
  const form = parseDataForm(x);
  if (form.type === 'cancel') return;
  let nick: string;
  try {
    // Prepared as the resource of an occupant JID will be, so the reservation matches what people type.
    nick = prepResourcepart(formValue(form, 'muc#register_roomnick')?.trim() ?? '');
  } catch {
    throw fail('not-acceptable', 'modify', 'this nickname cannot be part of an address');
  }
  if (!nick || [...nick].length > MAX_NICK) throw fail('not-acceptable', 'modify', `a nickname has 1 to ${MAX_NICK} characters`);
  if (room.config.membersOnly && affiliation === 'none') throw fail('registration-required', 'auth', 'ask an admin of this members-only room to add you');
  const owner = room.nickOwner(nick);
  const holder = room.occupants.get(nick);
  if ((owner && owner !== bare) || (holder && holder.realBare.toString() !== bare)) throw fail('conflict', 'cancel', 'this nickname is taken in this room');
  if (affiliation === 'none') room.setAffiliation(bare, 'member');
  room.state.affiliations[bare]!.nick = nick;
  await svc.persist(room);
}

/** §7.12: the nick a person registered, as disco#info on node x-roomuser-item. */
export function reservedNick(room: Room, from: Jid): Element {
  const nick = room.state.affiliations[from.bare().toString()]?.nick;
  return xml('query', { xmlns: NS.DISCO_INFO, node: RESERVED_NICK_NODE }, nick ? xml('identity', { category: 'conference', type: 'text', name: nick }) : null);
}
