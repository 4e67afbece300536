import { hasTo, NS, tryParseJid, type Jid } from '@conexizan/protocol';
import type { ModuleContext, ServerModule } from '../../core/module.ts';
import type { StanzaEvent } from '../../core/router.ts';
import type { SessionHandle } from '../../core/sessions.ts';
import { CapsCache } from './caps.ts';
import { registerHandlers } from './handlers.ts';
import { PepService } from './service.ts';
// Its services and events (api.ts), so that whatever compiles the module list sees them typed.
export type * from './api.ts';


/**
 * XEP-0163 Personal Eventing on a XEP-0060 subset: every account is a
 * pubsub service with arbitrary nodes, auto-created on publish with the
 * publish-options applied; notifications filtered by the +notify features
 * of each resource's entity capabilities; the last item on presence.
 * Other modules reach the service through ctx.require('pep') (api.ts).
 */
const PUBSUB_FEATURES = [
  'access-open', 'access-presence', 'access-roster', 'access-whitelist', 'auto-create', 'auto-subscribe',
  'config-node', 'config-node-max', 'create-and-configure', 'create-nodes', 'delete-items', 'delete-nodes',
  'filtered-notifications', 'item-ids', 'last-published', 'manage-subscriptions', 'member-affiliation',
  'modify-affiliations', 'multi-items', 'outcast-affiliation', 'persistent-items', 'presence-notifications',
  'presence-subscribe', 'publish', 'publish-options', 'purge-nodes', 'retract-items', 'retrieve-affiliations',
  'retrieve-default', 'retrieve-items', 'retrieve-subscriptions', 'subscribe',
];

export const pepModule: ServerModule = {
  name: 'pep',
  implements: ['XEP-0163', 'XEP-0060 (PEP subset)', 'XEP-0115 (+notify)'],
  provides: ['pep'],
  setup(ctx) {
    const caps = new CapsCache(ctx);
    const service = new PepService(ctx, caps);
    ctx.provide('pep', service);

    ctx.features.addIdentity('account', { category: 'pubsub', type: 'pep' });
    ctx.features.addFeature('account', NS.PUBSUB, ...PUBSUB_FEATURES.map((feature) => `${NS.PUBSUB}#${feature}`));
    // profanity looks for publish-options on the server's own disco#info only; without it, it publishes
    // its OMEMO keys readable by contacts alone, and people in a group who are no contacts cannot encrypt to it.
    ctx.features.addFeature('server', `${NS.PUBSUB}#publish-options`);
    registerHandlers(ctx, service);

    // Our own users' resources: their caps, and the last items they want.
    ctx.hooks.on(
      'presence/broadcast',
      (event) => {
        if (event.origin.kind !== 'c2s') return undefined;
        const session = event.origin.session;
        if (event.type === 'unavailable') caps.forget(session.jid.toString());
        else if (event.type === 'available') background(ctx, onLocalPresence(ctx, service, caps, session, event));
        return undefined; // only watching: the presence module delivers it
      },
      'observe',
    );
    // Contacts on other servers: their resources, caps and the last items they want.
    const remotePresence = (event: StanzaEvent) => {
      if (ctx.router.isLocal(event.from) || !event.from.resource) return undefined;
      if (event.type === 'unavailable') {
        service.trackRemote(event.from, false);
        caps.forget(event.from.toString());
      } else if (event.type === 'available') {
        service.trackRemote(event.from, true);
        background(ctx, (async () => {
          const wanted = await caps.observe(event.from, event.stanza);
          if (wanted) await service.sendLastOnPresence(event.to.bare(), event.from, wanted);
        })());
      }
      return undefined;
    };
    ctx.hooks.on('presence/bare', remotePresence, 'observe');
    ctx.hooks.on('presence/full', remotePresence, 'observe');

    ctx.hooks.on('session/closed', ({ session }) => caps.forget(session.jid.toString()));
    ctx.hooks.on('account/deleting', ({ user }) => ctx.storage.pubsub.forgetJid(user.toString()));
  },
};

/** A resource of ours announced its caps: send it the last items of its own and its contacts' nodes it wants. */
async function onLocalPresence(ctx: ModuleContext, service: PepService, caps: CapsCache, session: SessionHandle, event: StanzaEvent): Promise<void> {
  const wanted = await caps.observe(session.jid, event.stanza);
  if (!wanted || wanted.size === 0) return;
  const user = session.jid.bare();
  const owners: Jid[] = [user];
  for (const item of await ctx.storage.roster.list(user.local)) {
    if (!hasTo(item.subscription)) continue;
    const contact = parseLocal(ctx, item.jid);
    if (contact) owners.push(contact);
  }
  for (const owner of owners) await service.sendLastOnPresence(owner, session.jid, wanted);
}

function parseLocal(ctx: ModuleContext, jid: string): Jid | null {
  const parsed = tryParseJid(jid);
  return parsed && parsed.local && !parsed.resource && ctx.router.isLocal(parsed) ? parsed : null;
}

function background(ctx: ModuleContext, work: Promise<void>): void {
  work.catch((error: unknown) => ctx.log.warn({ err: error }, 'pep: presence-driven work failed'));
}
