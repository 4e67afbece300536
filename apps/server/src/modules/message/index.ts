import { cloneElement, delayElement, errorReply, NS, parseJid, StanzaError } from '@conexizan/protocol';
import type { UndeliveredEvent } from '../../core/events.ts';
import type { ModuleContext, ServerModule } from '../../core/module.ts';
import type { StanzaEvent } from '../../core/router.ts';
import type { SessionHandle } from '../../core/sessions.ts';
// Its services and events (api.ts), so that whatever compiles the module list sees them typed.
export type * from './api.ts';

/**
 * RFC 6121 §8.5: delivering messages to local accounts, by type and
 * priority. When no resource can take a message it is offered to
 * `message/offline` (offline storage, later the archive); if nobody takes
 * it, the sender gets service-unavailable rather than silence. A stanza
 * that was handed to a session but never reached its client
 * (`session/undelivered`: unacknowledged when the session ended, or its
 * node died) is not lost either: see `rescue`.
 */
export const message: ServerModule = {
  name: 'message',
  implements: ['RFC 6121 §8.5'],
  setup(ctx) {
    ctx.hooks.on('message/bare', (event) => toBare(ctx, event), 'deliver');
    ctx.hooks.on('message/full', (event) => toFull(ctx, event), 'deliver');
    ctx.hooks.on('session/undelivered', (event) => rescue(ctx, event));
  },
};

async function toBare(ctx: ModuleContext, event: StanzaEvent): Promise<true> {
  const { type, to } = event;
  if (type === 'error') return true; // §8.5.2.1.1: errors to a bare JID are not bounced back
  if (!(await ctx.accounts.exists(to.local))) throw new StanzaError('service-unavailable');
  if (type === 'groupchat') throw new StanzaError('service-unavailable');
  const resources = (await ctx.sessions.resourcesOf(to)).filter((s) => s.available && s.priority >= 0);
  if (type === 'headline') {
    for (const resource of resources) resource.send(event.stanza);
    return true;
  }
  const best = highestPriority(resources);
  if (best.length > 0) {
    for (const resource of best) resource.send(event.stanza);
    return true;
  }
  const stored = await ctx.hooks.fire('message/offline', { event });
  if (stored === undefined) throw new StanzaError('service-unavailable');
  return true;
}

async function toFull(ctx: ModuleContext, event: StanzaEvent): Promise<true> {
  const session = await ctx.sessions.find(event.to);
  if (session) {
    session.send(event.stanza);
    return true;
  }
  // §8.5.3.2.1: no such resource.
  if (event.type === 'error') return true;
  if (event.type === 'groupchat') throw new StanzaError('service-unavailable');
  return toBare(ctx, { ...event, to: event.to.bare() });
}

function highestPriority(resources: SessionHandle[]): SessionHandle[] {
  if (resources.length === 0) return [];
  const top = Math.max(...resources.map((r) => r.priority));
  return resources.filter((r) => r.priority === top);
}

/**
 * A stanza that never reached its session's client: a message goes to
 * another resource of the account or to offline storage (with its original
 * time), exactly once; a request gets an error back; presence is dropped
 * (it is state, sent again on resumption or login anyway).
 */
async function rescue(ctx: ModuleContext, { session, stanza, queuedAt }: UndeliveredEvent): Promise<true> {
  const type = (stanza.attrs.type as string | undefined) ?? (stanza.name === 'message' ? 'normal' : '');
  if (stanza.name === 'iq' && (type === 'get' || type === 'set') && stanza.attrs.from) {
    await ctx.router.route(errorReply(stanza, 'recipient-unavailable', { type: 'wait' }));
    return true;
  }
  if (stanza.name !== 'message' || type === 'error' || type === 'groupchat') return true;
  const user = session.jid.bare();
  // Archived for this user (it carries our stanza-id): the archive is where it
  // is kept, and where the client catches up (XEP-0313), so a second copy in
  // offline storage would only arrive twice, as it would for a client that
  // closed its stream without acking what it had read.
  if (stanza.getChildren('stanza-id', NS.SID).some((sid) => sid.attrs.by === user.toString())) return true;
  const copy = cloneElement(stanza); // the same element may sit in several sessions' queues
  if (!copy.getChild('delay', NS.DELAY)) copy.append(delayElement(ctx.domain, queuedAt));
  copy.attrs.to = user.toString();
  const others = (await ctx.sessions.resourcesOf(user)).filter((s) => s.id !== session.id && s.available && s.priority >= 0);
  const best = highestPriority(others);
  if (best.length > 0) {
    for (const other of best) other.send(copy);
    return true;
  }
  const from = parseJid(String(copy.attrs.from ?? ctx.domain));
  const event: StanzaEvent = { stanza: copy, kind: 'message', type, from, to: user, origin: { kind: 'local' } };
  await ctx.hooks.fire('message/offline', { event });
  return true;
}
