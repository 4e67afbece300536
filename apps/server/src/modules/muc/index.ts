import { iqResult, StanzaError, tryParseJid, type Element, type Jid } from '@conexizan/protocol';
import type { Config } from '../../config/schema.ts';
import type { ServerModule } from '../../core/module.ts';
import type { StanzaEvent } from '../../core/router.ts';
import { IqHandler } from './iq.ts';
import { handleMessage } from './messages.ts';
import { registerOperatorCommands, registerOperatorRequests, roomOperations } from './operator.ts';
import { handlePresence, leaveSession } from './presence.ts';
import { MucService } from './service.ts';
// Its services and events (api.ts), so that whatever compiles the module list sees them typed.
export type * from './api.ts';

/**
 * XEP-0045 Multi-User Chat as conference.<domain> (muc.domain), listed
 * first in the domain's disco#items: public channels and private groups
 * (members-only, non-anonymous: what OMEMO in a group needs). With the room
 * archive (XEP-0313), occupant ids (XEP-0421), moderated retraction
 * (XEP-0425), self-ping (XEP-0410), room vCards and avatars, mediated
 * invitations and voice requests. Persistent rooms are stored and come
 * back after a restart; temporary ones vanish with their last occupant.
 * Stanzas for the service arrive on route/remote (it is not our domain
 * itself) and leave through the router with full JIDs, so remote
 * occupants work as soon as federation carries them. In a cluster each
 * room lives on one node (service.ts) and the other nodes forward its
 * stanzas there.
 */
const DAY_MS = 86_400_000;

/** The service's domain, prepared like any JID's domain so it compares equal to the addresses stanzas carry. */
export function mucServiceJid(config: Config, domain: string): string {
  const serviceJid = tryParseJid(config.muc.domain || `conference.${domain}`)?.domain;
  if (!serviceJid) throw new Error(`muc.domain: '${config.muc.domain}' is not a domain`);
  return serviceJid;
}
const PURGE_EVERY_MS = 3_600_000;

export const muc: ServerModule = {
  name: 'muc',
  implements: ['XEP-0045', 'XEP-0313 (MUC)', 'XEP-0421', 'XEP-0425', 'XEP-0410', 'XEP-0054 (rooms)', 'XEP-0486'],
  depends: ['adhoc', 'operators', 'audit'],
  provides: ['muc'],
  async setup(ctx) {
    const settings = ctx.config.muc;
    if (!settings.enabled) return;
    const serviceJid = mucServiceJid(ctx.config, ctx.domain);
    const svc = new MucService(ctx, settings, serviceJid);
    const retentionMs = ctx.config.archive.retention_days * DAY_MS;
    const iq = new IqHandler(svc, retentionMs);
    await svc.load();
    ctx.features.addItem({ jid: serviceJid, name: settings.name });
    registerOperatorCommands(ctx.require('adhoc'), svc, ctx.require('operators'), ctx.require('audit'));
    registerOperatorRequests(svc);
    ctx.provide('muc', roomOperations(svc));

    const handle = async (event: StanzaEvent): Promise<void> => {
      const { kind, to, type } = event;
      if (!to.local) {
        if (kind !== 'iq' || (type !== 'get' && type !== 'set')) {
          if (kind === 'message' && type !== 'error') throw new StanzaError('service-unavailable', { type: 'cancel' });
          return;
        }
        await answer(event, await iq.toService(event));
        return;
      }
      // The room lives on one node at a time: there, or forwarded there (and handled here
      // after all if that node died before it took the stanza).
      const place = await svc.locate(to.local);
      if (!place.local) {
        ctx.cluster.forward(place.node, event.stanza, event.origin, () => void ctx.router.route(event.stanza, event.origin));
        return;
      }
      await svc.serialize(to.local, async () => {
        try {
          if (kind === 'presence') await handlePresence(svc, event);
          else if (kind === 'message') await handleMessage(svc, event);
          else if (to.resource) await iq.toOccupant(event);
          else if (type === 'get' || type === 'set') await answer(event, await iq.toRoom(event));
        } catch (error) {
          if (!(error instanceof StanzaError)) throw error;
          await svc.reject(event, error);
        }
      });
    };
    const answer = async (event: StanzaEvent, payload: Element | undefined) => {
      const reply = iqResult(event.stanza, payload);
      reply.attrs.from = event.to.toString();
      reply.attrs.to = event.from.toString();
      await svc.send(reply);
    };

    // Above federation (which would try to reach conference.<domain> over the network).
    ctx.hooks.on(
      'route/remote',
      async (event) => {
        if (event.to.domain !== serviceJid) return undefined;
        try {
          await handle(event);
        } catch (error) {
          if (!(error instanceof StanzaError)) ctx.log.error({ err: error, kind: event.kind }, 'group chat failed to handle a stanza');
          await svc.reject(event, error instanceof StanzaError ? error : new StanzaError('internal-server-error', { type: 'wait' }));
        }
        return true;
      },
    );

    const purge = async () => {
      try {
        const purged = await ctx.storage.muc.purgeOlderThan(new Date(Date.now() - retentionMs));
        if (purged > 0) ctx.log.info({ purged }, 'expired room archive entries deleted');
      } catch (error) {
        ctx.log.warn({ err: error }, 'could not delete expired room archive entries');
      }
    };
    const timer = setInterval(() => void purge(), PURGE_EVERY_MS);
    timer.unref();
    ctx.hooks.on('server/started', () => void purge());
    ctx.onStop(() => clearInterval(timer));
    // A client that joined without ever sending its own presence gets no unavailable presence
    // sent for it when its stream ends, so the room itself lets a closed local session go,
    // instead of keeping a ghost that others see and that blocks its nickname.
    const letGo = async ({ session }: { session: { jid: Jid } }) => {
      for (const room of svc.liveRooms()) {
        if (!room.nickOf.has(session.jid.toString())) continue;
        await svc.serialize(room.jid.local, async () => {
          const occupant = room.occupantOf(session.jid);
          if (occupant) await leaveSession(svc, room, occupant, session.jid, undefined);
        });
      }
    };
    ctx.hooks.on('session/closed', letGo);
    // A session whose node died never sent its unavailable presence to the rooms it was in.
    ctx.hooks.on('session/lost', letGo);
    // Status 332 (XEP-0045 §15.6.2): before the streams close, everyone in a room, here or
    // on another server, hears that the service is going down rather than silence.
    ctx.hooks.on('server/stopping', async () => {
      for (const room of svc.liveRooms()) {
        await svc.serialize(room.jid.local, async () => {
          for (const occupant of [...room.occupants.values()]) {
            await svc.toSessions(occupant, svc.occupantPresence(room, occupant, occupant, { unavailable: true, codes: [332] }));
          }
          room.occupants.clear();
          room.nickOf.clear();
        });
      }
    });
  },
};
