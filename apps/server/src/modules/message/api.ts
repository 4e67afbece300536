import type { StanzaEvent } from '../../core/router.ts';

/**
 * The message module's extension point: a message that no resource can
 * take now is offered on `message/offline` (fire: the first handler that
 * returns a value has kept it, e.g. offline storage; if none does, the
 * sender gets service-unavailable).
 */
export interface OfflineMessageEvent {
  event: StanzaEvent;
}

declare module '../../core/events.ts' {
  interface HookEvents {
    'message/offline': OfflineMessageEvent;
  }
}
