import { randomBytes } from 'node:crypto';
import { NS, xml, type Element } from '@conexizan/protocol';
import type { ServerModule } from '../../core/module.ts';
import type { LocalSession, SessionHandle } from '../../core/sessions.ts';
import { UnackedQueue, wrap } from '../../core/unacked-queue.ts';

/**
 * XEP-0198 Stream Management: acks both ways, resumption within a window,
 * and the promise behind them: a stanza the client never acknowledged is
 * not lost when its session ends: it is offered on `session/undelivered`
 * (the message module keeps messages, answers requests, drops presence).
 */
interface SmState {
  queue: UnackedQueue;
  /** stream.stanzasReceived when SM was enabled: 'h' counts from there */
  receivedBase: number;
  resumeId: string | null;
  resumeSeconds: number;
  requestTimer: NodeJS.Timeout | null;
  hibernateTimer: NodeJS.Timeout | null;
}

const ACK_REQUEST_DELAY_MS = 200;

export const streamManagement: ServerModule = {
  name: 'stream-management',
  implements: ['XEP-0198'],
  setup(ctx) {
    const states = new Map<SessionHandle, SmState>();
    const byResumeId = new Map<string, LocalSession>();
    const maxResume = ctx.config.limits.resume_seconds;
    const maxUnacked = ctx.config.limits.unacked_stanzas;

    ctx.features.addStreamFeature(({ stage }) => (stage === 'post-auth' ? xml('sm', { xmlns: NS.SM }) : null));

    const handledCount = (stream: LocalSession, state: SmState) => wrap(stream.stanzasReceived - state.receivedBase);

    // Last in line before the socket: count and keep what actually goes out.
    ctx.outbound.add((stanza, session, next) => {
      const state = states.get(session);
      if (state) {
        state.queue.push({ stanza, queuedAt: new Date() });
        if (state.queue.items.length > maxUnacked) {
          session.closeWithError('resource-constraint', 'too many unacknowledged stanzas');
          return;
        }
        scheduleAckRequest(session, state);
      }
      next(stanza);
    }, 'record');

    ctx.hooks.on('c2s/element', ({ element, session }) => {
      if (element.getNS() !== NS.SM) return undefined;
      const state = states.get(session);
      switch (element.name) {
        case 'enable': {
          if (state) return session.writeElement(failed('unexpected-request')), true;
          const wantsResume = element.attrs.resume === 'true' || element.attrs.resume === '1';
          const requested = Number.parseInt(String(element.attrs.max ?? ''), 10);
          const resumeSeconds = Number.isInteger(requested) && requested > 0 ? Math.min(requested, maxResume) : maxResume;
          const created: SmState = {
            queue: new UnackedQueue(),
            receivedBase: session.stanzasReceived,
            resumeId: wantsResume && maxResume > 0 ? randomBytes(18).toString('base64url') : null,
            resumeSeconds,
            requestTimer: null,
            hibernateTimer: null,
          };
          states.set(session, created);
          if (created.resumeId) byResumeId.set(created.resumeId, session);
          session.writeElement(xml('enabled', { xmlns: NS.SM, ...(created.resumeId ? { id: created.resumeId, resume: 'true', max: String(resumeSeconds) } : {}) }));
          return true;
        }
        case 'r':
          if (state) session.writeElement(xml('a', { xmlns: NS.SM, h: String(handledCount(session, state)) }));
          return true;
        case 'a': {
          if (!state) return true;
          const h = parseH(element.attrs.h);
          if (h === null || !state.queue.ack(h)) {
            // §4: an ack for stanzas we never sent is a protocol error.
            session.writeElement(xml('handled-count-too-high', { xmlns: NS.SM, h: String(element.attrs.h ?? ''), 'send-count': String(state.queue.sent) }));
            session.closeWithError('undefined-condition', 'acknowledged more stanzas than were sent');
          }
          return true;
        }
        default:
          return undefined;
      }
    });

    ctx.hooks.on('c2s/transport-lost', ({ session }) => {
      const state = states.get(session);
      if (!state?.resumeId) return undefined;
      state.hibernateTimer = setTimeout(() => void session.end(), state.resumeSeconds * 1000);
      state.hibernateTimer.unref();
      ctx.log.debug({ session: session.id }, 'session hibernating, waiting for resumption');
      return true;
    });

    ctx.hooks.on('c2s/pre-bind-element', ({ element, stream }) => {
      // §3: <enable/> before binding is refused without ending the stream.
      if (element.is('enable', NS.SM)) return stream.writeElement(failed('unexpected-request')), true;
      if (!element.is('resume', NS.SM)) return undefined;
      const session = byResumeId.get(String(element.attrs.previd ?? ''));
      const state = session && states.get(session);
      const h = parseH(element.attrs.h);
      // A stolen or expired id looks exactly like an unknown one.
      if (!session || !state || session.jid.local !== stream.username || h === null) {
        stream.writeElement(failed('item-not-found'));
        return true;
      }
      if (!state.queue.ack(h)) {
        stream.writeElement(xml('failed', { xmlns: NS.SM, h: String(handledCount(session, state)) }, xml('undefined-condition', { xmlns: NS.STANZAS_ERR })));
        return true;
      }
      if (state.hibernateTimer) clearTimeout(state.hibernateTimer);
      state.hibernateTimer = null;
      session.resumeOn(stream);
      session.writeElement(xml('resumed', { xmlns: NS.SM, previd: state.resumeId!, h: String(handledCount(session, state)) }));
      // Everything the client did not confirm goes out again, in order.
      for (const { stanza } of state.queue.items) session.writeElement(stanza);
      if (state.queue.items.length) scheduleAckRequest(session, state);
      ctx.log.debug({ session: session.id }, 'session resumed');
      return true;
    });

    ctx.hooks.on('session/closed', async ({ session }) => {
      const state = states.get(session);
      if (!state) return;
      states.delete(session);
      if (state.resumeId) byResumeId.delete(state.resumeId);
      if (state.requestTimer) clearTimeout(state.requestTimer);
      if (state.hibernateTimer) clearTimeout(state.hibernateTimer);
      // Delivered elsewhere, answered or let go: the message module decides (session/undelivered).
      for (const { stanza, queuedAt } of state.queue.drain()) await ctx.hooks.fire('session/undelivered', { session, stanza, queuedAt });
    }, 'intercept');

    ctx.onStop(async () => {
      // Sessions still waiting for resumption end now, so their queues are rescued before storage closes.
      for (const session of [...byResumeId.values()]) if (session.hibernating) await session.end();
    });
  },
};

function scheduleAckRequest(session: LocalSession, state: SmState): void {
  if (state.requestTimer || session.hibernating) return;
  state.requestTimer = setTimeout(() => {
    state.requestTimer = null;
    if (state.queue.items.length > 0) session.writeElement(xml('r', { xmlns: NS.SM }));
  }, ACK_REQUEST_DELAY_MS);
  state.requestTimer.unref();
}

function failed(condition: string): Element {
  return xml('failed', { xmlns: NS.SM }, xml(condition, { xmlns: NS.STANZAS_ERR }));
}

function parseH(value: unknown): number | null {
  if (typeof value !== 'string' || !/^\d{1,10}$/.test(value)) return null;
  const h = Number(value);
  return h < 2 ** 32 ? h : null;
}
