import { hasFrom, NS, StanzaError, xml, type Element, type Jid } from '@conexizan/protocol';
import type { ModuleContext, ServerModule } from '../../core/module.ts';
import type { SessionHandle } from '../../core/sessions.ts';

/**
 * XEP-0012 last activity. Asked of the server: its uptime. Asked of an
 * account (bare JID), by the account itself or a contact allowed to see its
 * presence: 0 while it is online, else the seconds since its last session
 * ended and the status it left with. Anyone else gets <forbidden/>
 * (blocked JIDs get service-unavailable from the blocking module first).
 * Asked of a full JID, the client answers (idle time) like any iq.
 */
const MAX_STATUS = 1024;

export const lastActivity: ServerModule = {
  name: 'last-activity',
  implements: ['XEP-0012'],
  setup(ctx) {
    const startedAt = Date.now();
    ctx.features.addFeature('server', NS.LAST);
    ctx.features.addFeature('account', NS.LAST);

    ctx.iq.on('get', 'host', NS.LAST, 'query', () => query(Date.now() - startedAt));

    ctx.iq.on('get', ['self', 'bare'], NS.LAST, 'query', async ({ from, to }) => {
      const user = to.bare();
      if (!(await ctx.accounts.exists(user.local))) throw new StanzaError('service-unavailable', { type: 'cancel' });
      if (!from.bareEquals(user)) {
        const item = await ctx.storage.roster.get(user.local, from.bare().toString());
        if (!item || !hasFrom(item.subscription)) throw new StanzaError('forbidden', { type: 'auth' });
      }
      if ((await ctx.sessions.resourcesOf(user)).some((s) => s.available)) return query(0);
      const last = await ctx.storage.lastActivity.get(user.local);
      if (!last) throw new StanzaError('item-not-found', { type: 'cancel' });
      return query(Date.now() - last.at.getTime(), last.status);
    });

    // The user's last available resource goes offline: by unavailable presence...
    ctx.hooks.on('presence/broadcast', async (event) => {
      if (event.type !== 'unavailable' || event.origin.kind !== 'c2s' || !event.origin.session.available) return undefined;
      await recordIfLast(ctx, event.origin.session, event.stanza.getChildText('status'));
      return undefined;
    }, 'observe');
    // ...or by closing its stream while available.
    ctx.hooks.on('session/closed', async ({ session }) => {
      if (session.available) await recordIfLast(ctx, session, session.presence?.getChildText('status') ?? null);
    });
  },
};

function query(ms: number, status?: string): Element {
  return xml('query', { xmlns: NS.LAST, seconds: String(Math.max(0, Math.floor(ms / 1000))) }, ...(status ? [status] : []));
}

async function recordIfLast(ctx: ModuleContext, session: SessionHandle, status: string | null): Promise<void> {
  const user: Jid = session.jid.bare();
  const others = (await ctx.sessions.resourcesOf(user)).filter((s) => s !== session && s.available);
  if (others.length > 0) return;
  await ctx.storage.lastActivity.set(user.local, { at: new Date(), status: (status ?? '').slice(0, MAX_STATUS) });
}
