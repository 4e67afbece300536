import { NS, StanzaError, type Element } from '@conexizan/protocol';
import type { ModuleContext, ServerModule } from '../../core/module.ts';
import type { StanzaEvent } from '../../core/router.ts';
import { withFlag, type SessionHandle } from '../../core/sessions.ts';
import { carbonCopy, eligibleForCarbons } from './messages.ts';

/**
 * XEP-0280 message carbons: a resource that enables carbons gets a copy of
 * every eligible message its account sends from another resource (`<sent/>`)
 * and of every eligible message the account receives that went to another
 * resource (`<received/>`), so that each device sees both sides of every
 * conversation. Which messages are eligible: messages.ts (XEP-0334 hints
 * and `<private/>` respected). Whether a session enabled carbons is its
 * 'carbons' flag, which every node of a cluster sees (core/sessions.ts).
 */
const FLAG = 'carbons';

export const carbons: ServerModule = {
  name: 'carbons',
  implements: ['XEP-0280', 'XEP-0297', 'XEP-0334 (no-copy)'],
  setup(ctx) {
    ctx.features.addFeature('server', NS.CARBONS, NS.CARBONS_RULES);

    for (const [name, on] of [['enable', true], ['disable', false]] as const) {
      ctx.iq.on('set', ['self', 'host'], NS.CARBONS, name, ({ origin }) => {
        // §4.2: only the server's own clients, each for itself.
        if (origin.kind !== 'c2s') throw new StanzaError('not-allowed', { type: 'cancel' });
        origin.session.update({ flags: withFlag(origin.session.flags, FLAG, on) });
        return true;
      });
    }

    // Sent and received carbons: once blocking let the message through and the
    // archive gave it its stanza id, before the message module delivers it.
    for (const toType of ['bare', 'full', 'host', 'remote'] as const) {
      ctx.hooks.on(`pre-message/${toType}`, (event) => copySent(ctx, event), 'carbons');
    }
    ctx.hooks.on('message/bare', (event) => copyReceived(ctx, event), 'carbons');
    ctx.hooks.on('message/full', (event) => copyReceived(ctx, event), 'carbons');
  },
};

async function copySent(ctx: ModuleContext, event: StanzaEvent): Promise<undefined> {
  if (event.origin.kind !== 'c2s' || !eligibleForCarbons(event.stanza, 'sent')) return undefined;
  const sender = event.origin.session;
  const user = sender.jid.bare();
  // To the account itself: the other resources get the received copy instead.
  if (event.to.bareEquals(user)) return undefined;
  for (const resource of await ctx.sessions.resourcesOf(user)) {
    if (resource === sender || !resource.flags.has(FLAG) || !resource.available) continue;
    resource.send(carbonCopy('sent', event.stanza, user, resource.jid));
  }
  return undefined;
}

async function copyReceived(ctx: ModuleContext, event: StanzaEvent): Promise<undefined> {
  const { stanza, to } = event;
  if (!eligibleForCarbons(stanza, 'received')) {
    // §7: the receiving server removes <private/> before delivery.
    if (ctx.router.isLocal(to)) removePrivate(stanza);
    return undefined;
  }
  const user = to.bare();
  const resources = await ctx.sessions.resourcesOf(user);
  if (resources.length === 0) return undefined;
  const direct = new Set(await originalRecipients(ctx, event, resources));
  for (const resource of resources) {
    if (direct.has(resource) || !resource.flags.has(FLAG) || !resource.available) continue;
    // A message from one of the account's own resources: that resource has it already.
    if (event.origin.kind === 'c2s' && event.origin.session === resource) continue;
    resource.send(carbonCopy('received', stanza, user, resource.jid));
  }
  return undefined;
}

/**
 * Who gets the original under RFC 6121 §8.5 (the message module's rules):
 * the addressed resource if it is connected, else the available resources
 * of non-negative priority with the highest priority.
 */
async function originalRecipients(ctx: ModuleContext, event: StanzaEvent, resources: SessionHandle[]): Promise<SessionHandle[]> {
  if (!event.to.isBare) {
    const addressed = await ctx.sessions.find(event.to);
    if (addressed) return [addressed];
  }
  const candidates = resources.filter((r) => r.available && r.priority >= 0);
  const top = Math.max(...candidates.map((r) => r.priority));
  return candidates.filter((r) => r.priority === top);
}

function removePrivate(stanza: Element): void {
  const index = stanza.children.findIndex((child) => typeof child !== 'string' && child.is('private', NS.CARBONS));
  if (index >= 0) stanza.children.splice(index, 1);
}
