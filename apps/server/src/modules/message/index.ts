import { StanzaError } from '@conexizan/protocol';
import type { ModuleContext, ServerModule } from '../../core/module.ts';
import type { StanzaEvent } from '../../core/router.ts';
import type { SessionHandle } from '../../core/sessions.ts';
// Its services and events (api.ts), so that whatever compiles the module list sees them typed.
export type * from './api.ts';

/**
 * RFC 6121 §8.5: delivering messages to local accounts, by type and
 * priority. When no resource can take a message it is offered to
 * `message/offline` (offline storage, later the archive); if nobody takes
 * it, the sender gets service-unavailable rather than silence.
 */
export const message: ServerModule = {
  name: 'message',
  implements: ['RFC 6121 §8.5'],
  setup(ctx) {
    ctx.hooks.on('message/bare', (event) => toBare(ctx, event), 'deliver');
    ctx.hooks.on('message/full', (event) => toFull(ctx, event), 'deliver');
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
