import { mediatedInvite, moderateRequest, mucAdminQuery, type Affiliation, type Role } from '@conexizan/protocol/muc';
import type { Connection } from '../client.ts';
import type { RoomMessage } from './rooms.ts';

/** What moderators, admins and owners do to others in a room (XEP-0045 §8, §9; XEP-0425), and invitations (§7.8.2). The room checks every right. */
export class RoomModeration {
  constructor(private readonly connection: Pick<Connection, 'iq' | 'send'>) {}

  /** Kick (role none), silence (visitor) or give voice (participant). */
  async setRole(room: string, nick: string, role: Role, reason?: string): Promise<void> {
    await this.connection.iq('set', mucAdminQuery([{ nick, role, reason }]), room);
  }

  /** Ban (outcast), make member, admin or owner, or take it away (none): by real bare JID. */
  async setAffiliation(room: string, jid: string, affiliation: Affiliation, reason?: string): Promise<void> {
    await this.connection.iq('set', mucAdminQuery([{ jid, affiliation, reason }]), room);
  }

  /** XEP-0425: remove someone's message for everyone, by the room's stanza id. */
  async retract(room: string, message: RoomMessage, reason?: string): Promise<void> {
    if (!message.archiveId) throw new Error('this message has no room id yet');
    await this.connection.iq('set', moderateRequest(message.archiveId, reason), room);
  }

  /** A mediated invitation: the room tells them, and a members-only room makes them a member. */
  async invite(room: string, to: string, reason?: string): Promise<void> {
    await this.connection.send(mediatedInvite(room, to, crypto.randomUUID(), reason));
  }
}
