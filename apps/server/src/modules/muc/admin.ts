import { destroyElement, isAffiliation, MUC_STATUS, isRole, mucAdminQuery, mucOwnerQuery, NS, parseDataForm, parseDestroy, parseMucItem, tryParseJid, type Element, type Jid, type MucItem } from '@conexizan/protocol';
import { configForm, readConfigForm } from './config-form.ts';
import { announceAffiliation, applyAffiliation, changeAffiliation, checkAffiliationChange, grantRole, type Actor } from './roles.ts';
import type { Affiliation, Room } from './room.ts';
import { fail, type MucService } from './service.ts';

/**
 * The muc#admin (XEP-0045 §8, §9: roles, affiliations and their lists) and
 * muc#owner (§10: configuration, destruction) queries to a room.
 */
const MAX_ITEMS = 100;
const MAX_REASON = 512;

export async function adminQuery(svc: MucService, room: Room, from: Jid, type: 'get' | 'set', query: Element): Promise<Element | undefined> {
  const actor: Actor = { bare: from.bare().toString(), occupant: room.occupantOf(from), operator: svc.isOperator(from) };
  const items = query.getChildren('item').map(parseMucItem);
  if (items.length === 0 || items.length > MAX_ITEMS) throw fail('bad-request', 'modify', `a query names between 1 and ${MAX_ITEMS} items`);
  if (type === 'get') return listQuery(svc, room, actor, items[0]!);
  // The bare real JID an item names: its jid, or the occupant with its nick.
  const targetOf = (item: MucItem) => (item.jid ? tryParseJid(item.jid)?.bare().toString() : item.nick !== undefined ? room.occupants.get(item.nick)?.realBare.toString() : undefined);
  // §9.2, §9.5: when one change of a list is not allowed, none is made.
  const planned = new Map<string, Affiliation>();
  for (const item of items) {
    const target = targetOf(item);
    if (!item.affiliation || !target) continue;
    checkAffiliationChange(room, actor, target, item.affiliation, true);
    planned.set(target, item.affiliation);
  }
  const ownersAfter = new Set(room.owners().filter((jid) => (planned.get(jid) ?? 'owner') === 'owner'));
  for (const [jid, affiliation] of planned) if (affiliation === 'owner') ownersAfter.add(jid);
  if (planned.size > 0 && ownersAfter.size === 0) throw fail('conflict', 'cancel', 'a room keeps at least one owner');
  for (const item of items) {
    const reason = item.reason?.slice(0, MAX_REASON);
    if (item.raw.affiliation !== undefined) {
      if (!item.affiliation) throw fail('bad-request', 'modify', `unknown affiliation '${item.raw.affiliation}'`);
      const target = targetOf(item);
      if (!target) throw fail(item.jid ? 'jid-malformed' : 'item-not-found', item.jid ? 'modify' : 'cancel', 'name the person by jid (or the nick of someone in the room)');
      await changeAffiliation(svc, room, actor, target, item.affiliation, reason, true);
    } else if (item.raw.role !== undefined) {
      if (!item.role) throw fail('bad-request', 'modify', `unknown role '${item.raw.role}'`);
      if (!actor.occupant) throw fail('forbidden', 'auth', 'only moderators in the room change roles');
      const target = item.nick !== undefined ? room.occupants.get(item.nick) : undefined;
      if (!target) throw fail('item-not-found', 'cancel', 'nobody in the room has this nickname');
      await grantRole(svc, room, actor.occupant, target, item.role, reason);
    } else {
      throw fail('bad-request', 'modify', 'an item changes a role or an affiliation');
    }
  }
  return undefined;
}

/** §9.5, §9.8, §10.5, §10.8, §8.5, §9.9: lists of affiliations and roles. */
function listQuery(svc: MucService, room: Room, actor: Actor, item: MucItem & { raw: { role?: string; affiliation?: string } }): Element {
  const own: Affiliation = actor.operator ? 'owner' : room.affiliationOf(actor.bare);
  const privileged = own === 'owner' || own === 'admin';
  const listed: MucItem[] = [];
  const affiliation = item.raw.affiliation;
  if (affiliation !== undefined) {
    if (!isAffiliation(affiliation) || affiliation === 'none') throw fail('bad-request', 'modify', 'ask for owner, admin, member or outcast');
    // Members of a non-anonymous room may read who belongs (OMEMO clients encrypt to every member),
    // and so may occupants in the roles the owner chose (muc#roomconfig_getmemberlist), as long as
    // the room shows them real JIDs anyway: a semi-anonymous room keeps hiding them (§5.2).
    const byRole = actor.occupant !== undefined && room.showsRealJidsTo(actor.occupant) && (room.config.getMemberList as readonly string[]).includes(actor.occupant.role);
    const belongs = (own === 'member' && room.config.whois === 'anyone') || byRole;
    const nonAnonymous = room.config.whois === 'anyone';
    // §10.5, §10.8: the owner and admin lists are for owners; others only in a non-anonymous room.
    const mayRead =
      affiliation === 'owner' || affiliation === 'admin'
        ? own === 'owner' || (nonAnonymous && (own === 'admin' || belongs))
        : privileged || (affiliation === 'member' && belongs);
    if (!mayRead) throw fail('forbidden', 'auth', 'you may not see this list');
    for (const entry of room.withAffiliation(affiliation)) {
      const nick = room.occupantOfBare(entry.jid)?.nick;
      listed.push({ affiliation, jid: entry.jid, nick, reason: entry.reason });
    }
    return mucAdminQuery(listed);
  }
  const role = item.raw.role;
  if (!isRole(role) || role === 'none') throw fail('bad-request', 'modify', 'ask for an affiliation or a role');
  if (actor.occupant?.role !== 'moderator' && !actor.operator) throw fail('forbidden', 'auth', 'only moderators see role lists');
  for (const occupant of room.occupants.values()) {
    if (occupant.role !== role) continue;
    listed.push({ role, nick: occupant.nick, affiliation: room.affiliationOf(occupant.realBare), jid: occupant.primary().jid.toString() });
  }
  return mucAdminQuery(listed);
}

export async function ownerQuery(svc: MucService, room: Room, from: Jid, type: 'get' | 'set', query: Element): Promise<Element | undefined> {
  const operator = svc.isOperator(from);
  if (room.affiliationOf(from) !== 'owner' && !operator) throw fail('forbidden', 'auth', 'only owners configure a room');
  const limits = { maxOccupants: svc.settings.max_occupants };
  if (type === 'get') {
    const admins = room.withAffiliation('admin').map((entry) => entry.jid);
    return mucOwnerQuery(configForm(room.config, room.owners(), admins, limits));
  }
  const destroy = query.getChild('destroy');
  if (destroy) {
    await destroyRoom(svc, room, destroy);
    return undefined;
  }
  const x = query.getChild('x', NS.DATA_FORMS);
  if (!x) throw fail('bad-request', 'modify', 'submit a configuration form or a destroy request');
  const form = parseDataForm(x);
  if (form.type === 'cancel') {
    // §10.1.3: cancelling the first configuration cancels the room.
    if (room.locked) await destroyRoom(svc, room, undefined);
    return undefined;
  }
  const previous = { ...room.config };
  const change = readConfigForm(form, room.config, limits, (value) => tryParseJid(value)?.bare().toString() ?? null);
  const wasLocked = room.locked;
  room.state.config = change.config;
  room.locked = false;
  const lists: [Affiliation, string[] | undefined][] = [
    ['owner', change.owners],
    ['admin', change.admins],
  ];
  const before = new Map<string, Affiliation>();
  const remember = (jid: string) => before.has(jid) || before.set(jid, room.affiliationOf(jid));
  for (const [affiliation, list] of lists) {
    if (!list) continue;
    for (const entry of room.withAffiliation(affiliation)) {
      if (!list.includes(entry.jid)) {
        remember(entry.jid);
        room.setAffiliation(entry.jid, 'none');
      }
    }
    for (const jid of list) {
      remember(jid);
      room.setAffiliation(jid, affiliation);
    }
  }
  if (room.owners().length === 0) room.setAffiliation(from.bare().toString(), 'owner');
  // A room that became temporary is written once more, so a restart does not bring it back as persistent.
  await svc.persist(room, previous.persistent);
  if (!wasLocked) {
    const codes: number[] = [MUC_STATUS.CONFIG_CHANGED];
    if (previous.archiving !== room.config.archiving) codes.push(room.config.archiving ? MUC_STATUS.ARCHIVING_ON : MUC_STATUS.ARCHIVING_OFF);
    if (previous.whois !== room.config.whois) codes.push(room.config.whois === 'anyone' ? MUC_STATUS.NOW_NON_ANONYMOUS : MUC_STATUS.NOW_SEMI_ANONYMOUS);
    await svc.statusMessage(room, codes);
  }
  // Owners and admins named or dropped in the form change like through muc#admin (§10.3–10.8).
  for (const [jid, was] of before) {
    const now = room.affiliationOf(jid);
    if (now === was) continue;
    await applyAffiliation(svc, room, jid, now, room.occupantOf(from)?.nick, undefined);
    await announceAffiliation(svc, room, jid, now, undefined, true);
  }
  // Roles whose presence is now broadcast, or no longer: the others see those occupants appear or leave their view.
  for (const occupant of room.occupants.values()) {
    const was = (previous.presenceBroadcast as readonly string[]).includes(occupant.role);
    const now = room.presenceShown(occupant.role);
    if (was && !now) await svc.hideFromOthers(room, occupant);
    else if (!was && now) await svc.broadcastPresence(room, occupant);
  }
  if (room.config.membersOnly && !previous.membersOnly) {
    for (const occupant of [...room.occupants.values()]) {
      if (room.affiliationOf(occupant.realBare) === 'none') await svc.removeOccupant(room, occupant, { codes: [MUC_STATUS.REMOVED_MEMBERS_ONLY] });
    }
  }
  // An owner (or operator) outside the room made an empty room temporary: it ends now.
  await svc.afterLeave(room);
  return undefined;
}

/** §10.9: everyone leaves with the reason and the alternate venue; the room and its archive are gone. */
export async function destroyRoom(svc: MucService, room: Room, request: Element | undefined): Promise<void> {
  const destruction = request ? parseDestroy(request) : {};
  destruction.reason = destruction.reason?.slice(0, MAX_REASON);
  for (const occupant of [...room.occupants.values()]) {
    const presence = svc.occupantPresence(room, occupant, occupant, { unavailable: true, affiliation: 'none', destroy: destroyElement(destruction) });
    await svc.toSessions(occupant, presence);
  }
  room.occupants.clear();
  room.nickOf.clear();
  await svc.remove(room);
}
