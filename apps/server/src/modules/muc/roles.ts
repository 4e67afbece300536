import { MUC_STATUS, mucUserElement, xml } from '@conexizan/protocol';
import { outranks, type Affiliation, type Occupant, type Role, type Room } from './room.ts';
import { fail, type MucService } from './service.ts';

/**
 * Changing roles (XEP-0045 §8: kick, voice) and affiliations (§9, §10:
 * ban, members, admins, owners) with the XEP's rules on who may do what to
 * whom, and what each change does to people in the room.
 */
export interface Actor {
  /** bare real JID of whoever asks */
  bare: string;
  /** their occupant, when they are in the room */
  occupant: Occupant | undefined;
  /** a server operator (ad-hoc commands) acts as an owner */
  operator?: boolean;
}

export async function grantRole(svc: MucService, room: Room, actor: Occupant, target: Occupant, role: Role, reason: string | undefined): Promise<void> {
  if (actor.role !== 'moderator') throw fail('forbidden', 'auth', 'only moderators change roles');
  if (target === actor && role !== 'moderator') throw fail('conflict', 'cancel', 'leave the room instead of kicking or silencing yourself');
  const actorAffiliation = room.affiliationOf(actor.realBare);
  const targetAffiliation = room.affiliationOf(target.realBare);
  const privileged = (affiliation: Affiliation) => affiliation === 'owner' || affiliation === 'admin';
  // §8.2, §8.5, §9.7: nobody takes a role away from an admin or owner, nor from someone who outranks them.
  if ((role === 'none' || role === 'visitor' || (target.role === 'moderator' && role !== 'moderator')) && (privileged(targetAffiliation) || outranks(targetAffiliation, actorAffiliation))) {
    throw fail('not-allowed', 'cancel', 'you may not do that to someone with this affiliation');
  }
  // §9.6, §9.7: making and unmaking moderators is for admins and owners.
  if ((role === 'moderator' || target.role === 'moderator') && !privileged(actorAffiliation)) throw fail('not-allowed', 'cancel', 'only admins and owners grant or revoke moderation');
  if (role === 'none') {
    await svc.removeOccupant(room, target, { codes: [MUC_STATUS.KICKED], actor: actor.nick, ...(reason ? { reason } : {}) });
    return;
  }
  if (target.role === role) return;
  const previous = target.role;
  target.role = role;
  await svc.announceRole(room, target, previous, { actor: actor.nick, ...(reason ? { reason } : {}) });
}

/**
 * Throws the XEP's error if `actor` may not give `target` this affiliation;
 * changes nothing. `ownersChecked`: the caller made sure the whole list of
 * changes leaves the room an owner (one item may hand over, another step down).
 */
export function checkAffiliationChange(room: Room, actor: Actor, target: string, affiliation: Affiliation, ownersChecked = false): void {
  const actorAffiliation: Affiliation = actor.operator ? 'owner' : room.affiliationOf(actor.bare);
  const current = room.affiliationOf(target);
  if (actorAffiliation !== 'owner' && actorAffiliation !== 'admin') throw fail('forbidden', 'auth', 'only admins and owners change affiliations');
  const high = (a: Affiliation) => a === 'owner' || a === 'admin';
  if (actorAffiliation !== 'owner') {
    // §9.1: an admin banning someone of higher or equal standing is not-allowed;
    // §10.3–10.8: granting or revoking owner and admin status is for owners only (forbidden).
    if (affiliation === 'outcast' && high(current)) throw fail('not-allowed', 'cancel', 'you may not ban an admin or owner');
    if (high(affiliation) || high(current)) throw fail('forbidden', 'auth', 'only owners change owners and admins');
  }
  // §10.6: a room always keeps an owner.
  if (!ownersChecked && current === 'owner' && affiliation !== 'owner' && room.owners().length <= 1) throw fail('conflict', 'cancel', 'the last owner cannot step down; name another owner first');
  if (affiliation === 'outcast' && target === actor.bare) throw fail('conflict', 'cancel', 'you cannot ban yourself');
}

export async function changeAffiliation(svc: MucService, room: Room, actor: Actor, target: string, affiliation: Affiliation, reason: string | undefined, ownersChecked = false): Promise<void> {
  checkAffiliationChange(room, actor, target, affiliation, ownersChecked);
  if (room.affiliationOf(target) === affiliation) return;
  room.setAffiliation(target, affiliation, reason);
  await svc.persist(room);
  await applyAffiliation(svc, room, target, affiliation, actor.occupant?.nick, reason);
  await announceAffiliation(svc, room, target, affiliation, reason, true);
}

/**
 * XEP-0045 §9 (Notifications of Changes) for someone who is not in the
 * room (in the room, their presence already told everyone): occupants who
 * may see real JIDs get a message from the room with the new affiliation,
 * so a client keeping the member list (OMEMO in a private group encrypts
 * to every member) stays right; and, when `tellPerson`, the person gets the
 * out-of-room message with status 101 at their bare JID (§17.1). It has
 * no body: whoever may change affiliations cannot use it to write to
 * anyone.
 */
export async function announceAffiliation(svc: MucService, room: Room, target: string, affiliation: Affiliation, reason: string | undefined, tellPerson: boolean): Promise<void> {
  if (room.occupantOfBare(target)) return;
  const item = { affiliation, jid: target, reason };
  for (const viewer of room.occupants.values()) {
    if (!room.showsRealJidsTo(viewer)) continue;
    await svc.toSessions(viewer, xml('message', { from: room.jid.toString() }, mucUserElement({ item })));
  }
  if (tellPerson) {
    await svc.send(xml('message', { from: room.jid.toString(), to: target }, mucUserElement({ item, codes: [MUC_STATUS.AFFILIATION_CHANGED] })));
  }
}

/** What a new affiliation does to the person's occupants: out with 301 or 321, or a new role. */
export async function applyAffiliation(svc: MucService, room: Room, target: string, affiliation: Affiliation, actorNick: string | undefined, reason: string | undefined): Promise<void> {
  for (const occupant of [...room.occupants.values()]) {
    if (occupant.realBare.toString() !== target) continue;
    const details = { ...(actorNick ? { actor: actorNick } : {}), ...(reason ? { reason } : {}) };
    if (affiliation === 'outcast') {
      await svc.removeOccupant(room, occupant, { codes: [MUC_STATUS.BANNED], affiliation, ...details });
    } else if (affiliation === 'none' && room.config.membersOnly) {
      await svc.removeOccupant(room, occupant, { codes: [MUC_STATUS.REMOVED_AFFILIATION], affiliation, ...details });
    } else {
      const previous = occupant.role;
      occupant.role = room.defaultRole(affiliation);
      await svc.announceRole(room, occupant, previous, details);
    }
  }
}
