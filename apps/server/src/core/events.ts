import type { Element, Jid } from '@conexizan/protocol';
import type { IqRequest, IqScope, IqType } from './iq.ts';
import type { StanzaEvent, StanzaKind, ToType } from './router.ts';
import type { AuthenticatedStream, LocalSession, SessionHandle } from './sessions.ts';

/**
 * Every hook of the server, by name, with the event its handlers get. The
 * HookBus accepts only these names, so a misspelt hook or a handler that
 * expects the wrong event fails the type check instead of never running.
 *
 * The core's hooks are listed here. A module that fires hooks of its own
 * (extension points such as `pep/item`) adds them from its public api.ts
 * by declaration merging:
 *
 *   declare module '../../core/events.ts' {
 *     interface HookEvents { 'pep/item': PepItemEvent }
 *   }
 *
 * and its listeners then need no import to get the event typed.
 */

/**
 * The router's hooks (core/router.ts): `pre-<kind>/<to-type>` for what a
 * client sends (its outbound processing), `<kind>/<to-type>` for delivery
 * to our domain, `route/remote` for any other domain, and
 * `presence/broadcast` for a client's presence without a `to`.
 */
export type RouterHookName =
  | `${StanzaKind}/${ToType}`
  | `pre-${StanzaKind}/${ToType | 'remote'}`
  | 'presence/broadcast'
  | 'route/remote';

/** The IQ dispatcher's hooks (core/iq.ts): `iq-<type>/<scope>/<namespace>:<element>`. */
export type IqHookName = `iq-${IqType}/${IqScope}/${string}`;

export interface SessionEvent {
  session: SessionHandle;
}

/**
 * An account is about to be deleted (by its owner, an admin or the command
 * line: AccountService.remove()). The account, its roster and its data
 * still exist while handlers run; they tell contacts and remove what the
 * database does not delete with the account (files, caches).
 */
export interface AccountDeletingEvent {
  user: Jid;
}

/**
 * An account was suspended (AccountService.suspend): it can no longer log
 * in and nothing is delivered to it, while everything it owns stays.
 * Handlers end its sessions (on every server process: they reach them
 * through the SessionRegistry) and refuse what is on its way to it.
 */
export interface AccountSuspendedEvent {
  user: Jid;
  /** for the operators; '' when none was given */
  reason: string;
  /** whether the owner is told the reason (at login, and as its sessions end) */
  notice: boolean;
}

/** A suspension was lifted (AccountService.unsuspend): the account works as before. */
export interface AccountUnsuspendedEvent {
  user: Jid;
}

/** What a pre-authentication handler (in-band registration, invitations) may see of the stream. */
export interface UnauthenticatedStream {
  readonly secure: boolean;
  readonly sourceKey: string;
  /** the stream's xml:lang (RFC 6120 §4.7.4), for texts a module writes to this client */
  readonly lang: string;
  /** Per-stream scratch space for modules (e.g. an accepted invitation), kept as long as the stream. */
  readonly state: Map<string, unknown>;
  send(element: Element): void;
}

export interface PreAuthStanzaEvent {
  stanza: Element;
  stream: UnauthenticatedStream;
}

/** A top-level element that is not a stanza (stream management, CSI…), after binding. */
export interface ClientElementEvent {
  element: Element;
  session: LocalSession;
}

/** A non-iq element after authentication but before binding (stream management's <resume/>). */
export interface PreBindElementEvent {
  element: Element;
  stream: AuthenticatedStream;
}

/**
 * The socket of a bound session went away without the stream being closed.
 * A handler that returns true keeps the session (hibernating: still
 * registered, stanzas queued by the outbound filters) until it is resumed
 * on a new connection or ended with `end()`.
 */
export interface TransportLostEvent {
  session: LocalSession;
}

/**
 * A stanza handed to a session never reached its client: the session ended
 * with it unacknowledged (XEP-0198), or the node that held the session died
 * or could not be reached. `session` may be gone from the registry already.
 */
export interface UndeliveredEvent {
  session: Pick<SessionHandle, 'id' | 'jid'>;
  stanza: Element;
  /** when it was handed to the session (for the <delay/> of a late delivery) */
  queuedAt: Date;
}

/**
 * A session moves to another node of the cluster (stream management
 * resumed it there): each module that keeps something about the session
 * puts it into `state` under its own name (JSON values) and forgets it
 * here; on the new node `session/import` gets the same `state`. Neither
 * session/closed nor session/bound is fired for a move.
 */
export interface SessionMoveEvent {
  session: LocalSession;
  state: Record<string, unknown>;
}

type RouterHooks = { [name in RouterHookName]: StanzaEvent };

export interface HookEvents extends RouterHooks {
  [name: IqHookName]: IqRequest;
  /** an answer (result or error) to an iq: first offered to IqDispatcher.request() */
  'iq-response': StanzaEvent;
  /** all modules are set up; listeners are about to open */
  'server/started': Record<string, never>;
  /** before any stream closes at shutdown */
  'server/stopping': Record<string, never>;
  'session/bound': SessionEvent;
  /**
   * a bound session ended (after hibernation, if any); it is no longer in the registry. Fired
   * once, on the node that held it, or for a node that died, on the node that cleaned up after it
   */
  'session/closed': SessionEvent;
  /**
   * a session of a node that died without closing its streams is gone from the registry; fired on
   * every node, for what each keeps about it (a room's occupants), after session/closed ran for it
   */
  'session/lost': SessionEvent;
  /** delivers elsewhere, answers or lets go a stanza a session never got (the message module) */
  'session/undelivered': UndeliveredEvent;
  'session/export': SessionMoveEvent;
  'session/import': SessionMoveEvent;
  'account/deleting': AccountDeletingEvent;
  'account/suspended': AccountSuspendedEvent;
  'account/unsuspended': AccountUnsuspendedEvent;
  'c2s/pre-auth-iq': PreAuthStanzaEvent;
  'c2s/pre-bind-element': PreBindElementEvent;
  'c2s/element': ClientElementEvent;
  'c2s/transport-lost': TransportLostEvent;
}

export type HookName = keyof HookEvents;

/**
 * Where in a hook's chain a handler runs. Handlers run from the first band
 * to the last (and, within a band, in the order the modules were set up);
 * the first handler of `fire` that returns a value ends the chain. So the
 * band says what a handler may rely on and what it may do:
 *
 * - policy: decides whether the stanza goes on at all, before anyone else
 *   sees it (blocking: nothing reaches or leaves a blocked JID).
 * - enrich: changes the event for everyone after it (the avatar hash in a
 *   broadcast presence, XEP-0153).
 * - observe: watches what policy let through and never claims it (PEP's
 *   entity capabilities, last activity, push's bookkeeping). Before the
 *   owner, which may claim the event and end the chain.
 * - intercept: acts before the module that owns the hook, and may answer
 *   for it (bookmarks over private XML storage, avatar on a vCard set,
 *   stream management rescuing a closed session's unacknowledged stanzas
 *   before the other modules let the session go).
 * - handle: the module that owns the hook (the default).
 * - archive: keeps the message (XEP-0313) after policy and before the
 *   copies and the delivery, so that the delivered message and its carbon
 *   copies carry the archive's stanza id (clients match them to the
 *   archive by it). The sender's copy is archived before its sent carbons
 *   for the same reason: the user's other devices get what the archive
 *   keeps.
 * - carbons: copies to the account's other resources (XEP-0280).
 * - deliver: hands the message to resources or to offline storage.
 * - fallback: the core's last resort when no module claimed the event
 *   (IQ dispatch to handlers, federation for other domains).
 */
export const BANDS = {
  policy: 1000,
  enrich: 200,
  observe: 100,
  intercept: 10,
  handle: 0,
  archive: -50,
  carbons: -60,
  deliver: -100,
  fallback: -1000,
} as const;

export type Band = keyof typeof BANDS;
