import { jid, NS, xml, type Element } from '@conexizan/protocol';
import type { ModuleContext, ServerModule } from '../../core/module.ts';
import { snapshotOf, type AuthenticatedStream, type LocalSession, type SessionHandle } from '../../core/sessions.ts';
import { UnackedQueue, wrap } from '../../core/unacked-queue.ts';
import { newResumeId, queueFrom, queueSnapshot, sessionIdOf, TAKE, type TakeAnswer, type TakeRequest } from './handover.ts';

/**
 * XEP-0198 Stream Management: acks both ways, resumption within a window,
 * and the promise behind them: a stanza the client never acknowledged is
 * not lost when its session ends: it is offered on `session/undelivered`
 * (the message module keeps messages, answers requests, drops presence).
 * In a cluster a client may resume on another node than the one that
 * holds its session: handover.ts.
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
            resumeId: wantsResume && maxResume > 0 ? newResumeId(session) : null,
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
      const previd = String(element.attrs.previd ?? '');
      const session = byResumeId.get(previd);
      const state = session && states.get(session);
      const h = parseH(element.attrs.h);
      if (!session && h !== null) return resumeFromOtherNode(previd, h, stream);
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

    /** The session lives on another node: it moves here (handover.ts), or the client gets item-not-found. */
    const resumeFromOtherNode = async (previd: string, h: number, stream: AuthenticatedStream): Promise<true> => {
      const answer = await takeFromOtherNode(ctx, previd, h, stream.username);
      if (answer === null) {
        stream.writeElement(failed('item-not-found'));
        return true;
      }
      if ('failed' in answer) {
        stream.writeElement(xml('failed', { xmlns: NS.SM, h: String(answer.failed) }, xml('undefined-condition', { xmlns: NS.STANZAS_ERR })));
        return true;
      }
      const session = await stream.adopt(answer.session);
      const state: SmState = {
        queue: queueFrom(answer.sm),
        receivedBase: wrap(session.stanzasReceived - answer.sm.handled),
        resumeId: previd,
        resumeSeconds: answer.sm.resumeSeconds,
        requestTimer: null,
        hibernateTimer: null,
      };
      states.set(session, state);
      byResumeId.set(previd, session);
      await ctx.hooks.fireAll('session/import', { session, state: answer.modules });
      session.writeElement(xml('resumed', { xmlns: NS.SM, previd, h: String(handledCount(session, state)) }));
      for (const { stanza } of state.queue.items) session.writeElement(stanza);
      if (state.queue.items.length) scheduleAckRequest(session, state);
      ctx.log.debug({ session: session.id }, 'session resumed from another node');
      return true;
    };

    // Another node asks for a session of ours that its client resumes there.
    ctx.cluster.onRequest(TAKE, async (payload): Promise<TakeAnswer> => {
      const { previd, username, h } = payload as TakeRequest;
      const session = byResumeId.get(previd);
      const state = session && states.get(session);
      if (!session || !state || session.jid.local !== username) return null;
      if (!state.queue.ack(h)) return { failed: handledCount(session, state) };
      const modules: Record<string, unknown> = {};
      await ctx.hooks.fireAll('session/export', { session, state: modules });
      // From here on nothing awaits: what still arrives for the session reaches its new node.
      if (states.get(session) !== state) return null;
      states.delete(session);
      byResumeId.delete(previd);
      if (state.requestTimer) clearTimeout(state.requestTimer);
      if (state.hibernateTimer) clearTimeout(state.hibernateTimer);
      const answer = { session: snapshotOf(session), sm: queueSnapshot(state.queue, handledCount(session, state), state.resumeSeconds), modules };
      session.handOver();
      ctx.log.debug({ session: session.id }, 'session handed over to another node');
      return answer;
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

/** Asks the node that holds the session a resumption id names to hand it over; null when there is no such session. */
async function takeFromOtherNode(ctx: ModuleContext, previd: string, h: number, username: string | null): Promise<TakeAnswer> {
  if (!username) return null;
  const id = sessionIdOf(previd);
  const held = (await ctx.sessions.resourcesOf(jid(username, ctx.domain))).find((session) => session.id === id && session.node);
  if (!held?.node) return null;
  try {
    return (await ctx.cluster.request(held.node, TAKE, { previd, username, h } satisfies TakeRequest)) as TakeAnswer;
  } catch (error) {
    ctx.log.debug({ err: error }, 'the node holding a session did not hand it over');
    return null;
  }
}

function failed(condition: string): Element {
  return xml('failed', { xmlns: NS.SM }, xml(condition, { xmlns: NS.STANZAS_ERR }));
}

function parseH(value: unknown): number | null {
  if (typeof value !== 'string' || !/^\d{1,10}$/.test(value)) return null;
  const h = Number(value);
  return h < 2 ** 32 ? h : null;
}
