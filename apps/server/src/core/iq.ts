import { randomUUID } from 'node:crypto';
import { errorReply, errorReplyFrom, iqResult, StanzaError, type Element } from '@conexizan/protocol';
import type { Cluster } from './cluster.ts';
import type { IqHookName } from './events.ts';
import type { HookBus } from './hooks.ts';
import type { StanzaEvent, StanzaRouter } from './router.ts';
import type { SessionRegistry } from './sessions.ts';

/**
 * IQ dispatch (RFC 6120 §8.2.3). Modules register a handler for
 * (type, scope, namespace, element); the handler's return value is the reply:
 * an Element becomes the result payload, `undefined`/`true` an empty result,
 * a thrown StanzaError an error reply. Handlers never build envelopes.
 *
 * Scopes: `host` (to our domain), `self` (a user to their own bare JID),
 * `bare` (to another local account's bare JID).
 */
export type IqType = 'get' | 'set';

/** A handler that already sent its own reply returns xml(NO_REPLY). */
export const NO_REPLY = 'no-reply';
export type IqScope = 'host' | 'self' | 'bare';

export interface IqRequest extends StanzaEvent {
  /** the single payload child */
  payload: Element;
}

export type IqHandler = (request: IqRequest) => Element | true | void | Promise<Element | true | void>;

interface PendingRequest {
  /** the address the answer must come from */
  from: string;
  resolve: (reply: Element) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class IqDispatcher {
  readonly #hooks: HookBus;
  readonly #router: StanzaRouter;
  readonly #sessions: SessionRegistry;
  readonly #cluster: Cluster;
  readonly #pending = new Map<string, PendingRequest>();

  constructor(hooks: HookBus, router: StanzaRouter, sessions: SessionRegistry, cluster: Cluster) {
    this.#hooks = hooks;
    this.#router = router;
    this.#sessions = sessions;
    this.#cluster = cluster;
    // Last: a module may still intercept iq/<to-type> before this (blocking does).
    hooks.on('iq/host', (event) => this.#dispatch(event, 'host'), 'fallback');
    hooks.on('iq/bare', (event) => this.#dispatch(event, event.from.bare().equals(event.to) ? 'self' : 'bare'), 'fallback');
    hooks.on('iq/full', (event) => this.#toFullJid(event), 'fallback');
    hooks.on('iq-response', (event) => this.#settle(event));
  }

  /**
   * Sends an iq get or set made by the server (its 'from' is the domain or an
   * account the server speaks for, e.g. a PEP service asking a client's
   * disco#info for entity capabilities) and resolves with the answer: the
   * result or error stanza from the addressee. Rejects after `timeoutMs`.
   * The id names this node (its cluster tag): in a cluster the answer may
   * reach another node first (over that node's s2s stream), which passes
   * it on here.
   */
  request(stanza: Element, timeoutMs = 10_000): Promise<Element> {
    stanza.attrs.id ??= `cnx-${this.#cluster.tag}-${randomUUID()}`;
    const id = stanza.attrs.id as string;
    return new Promise<Element>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error('no answer to an iq request in time'));
      }, timeoutMs);
      timer.unref?.();
      this.#pending.set(id, { from: String(stanza.attrs.to), resolve, timer });
      this.#router.route(stanza).catch((error: unknown) => {
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      });
    });
  }

  /** An answer to request(): only from the addressee, and only once; an answer to another node's request goes there. */
  #settle(event: StanzaEvent): true | undefined {
    const id = event.stanza.attrs.id as string | undefined;
    const pending = id === undefined ? undefined : this.#pending.get(id);
    if (!pending) {
      const tag = id === undefined ? undefined : /^cnx-([\w-]{8})-/.exec(id)?.[1];
      const node = tag && tag !== this.#cluster.tag ? this.#cluster.nodeTagged(tag) : null;
      if (!node) return undefined;
      this.#cluster.forward(node, event.stanza, event.origin, () => undefined);
      return true;
    }
    if (pending.from !== event.from.toString()) return undefined;
    this.#pending.delete(id!);
    clearTimeout(pending.timer);
    pending.resolve(event.stanza);
    return true;
  }

  static hookName(type: IqType, scope: IqScope, ns: string, name: string): IqHookName {
    return `iq-${type}/${scope}/${ns}:${name}`;
  }

  on(type: IqType, scopes: IqScope | IqScope[], ns: string, name: string, handler: IqHandler): () => void {
    const removers = (Array.isArray(scopes) ? scopes : [scopes]).map((scope) =>
      this.#hooks.on(IqDispatcher.hookName(type, scope, ns, name), async (request) => {
        const result = await handler(request);
        return result instanceof Object ? result : true;
      }),
    );
    return () => removers.forEach((remove) => remove());
  }

  async #dispatch(event: StanzaEvent, scope: IqScope): Promise<true> {
    const { stanza, type } = event;
    if (type === 'result' || type === 'error') {
      await this.#hooks.fire('iq-response', event);
      return true;
    }
    const payload = validateRequest(stanza, type);
    const name = IqDispatcher.hookName(type as IqType, scope, payload.getNS() ?? '', payload.name);
    let reply: Element;
    try {
      const result = await this.#hooks.fire(name, { ...event, payload });
      if (result === undefined) throw new StanzaError('service-unavailable', { type: 'cancel' });
      if (result instanceof Object && (result as Element).name === NO_REPLY) return true;
      reply = iqResult(stanza, result instanceof Object && 'name' in result ? (result as Element) : undefined);
    } catch (error) {
      if (!(error instanceof StanzaError)) throw error;
      reply = iqErrorReply(stanza, error);
    }
    this.#reply(event, reply);
    return true;
  }

  async #toFullJid(event: StanzaEvent): Promise<true> {
    const session = await this.#sessions.find(event.to);
    if (session) {
      session.send(event.stanza);
      return true;
    }
    if (event.type === 'get' || event.type === 'set') {
      // RFC 6121 §8.5.3.1: no such resource.
      this.#reply(event, errorReply(event.stanza, 'service-unavailable', { type: 'cancel' }));
    }
    return true;
  }

  #reply(event: StanzaEvent, reply: Element): void {
    if (event.origin.kind === 'c2s') {
      reply.attrs.to = event.origin.session.jid.toString();
      event.origin.session.send(reply);
    } else {
      void this.#router.route(reply);
    }
  }
}

/**
 * The error reply to an iq. RFC 6120 §8.3.1 lets the server echo the
 * request; for a set we don't, since it may carry a password or a token.
 * An application-specific condition (e.g. XEP-0363's file-too-large) is kept.
 */
export function iqErrorReply(iq: Element, error: StanzaError): Element {
  const reply = errorReplyFrom(iq, error);
  if (iq.attrs.type === 'set') reply.children = reply.children.filter((child) => typeof child !== 'string' && child.name === 'error');
  return reply;
}

/** RFC 6120 §8.2.3: get and set carry exactly one payload child and an id. */
function validateRequest(stanza: Element, type: string): Element {
  if (type !== 'get' && type !== 'set') throw new StanzaError('bad-request', { type: 'modify', text: 'unknown iq type' });
  if (!stanza.attrs.id) throw new StanzaError('bad-request', { type: 'modify', text: 'an iq needs an id' });
  const children = stanza.children.filter((child): child is Element => typeof child !== 'string');
  if (children.length !== 1) throw new StanzaError('bad-request', { type: 'modify', text: 'an iq get or set carries exactly one child' });
  return children[0]!;
}
