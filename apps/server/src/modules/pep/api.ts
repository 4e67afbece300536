import type { Element, Jid } from '@conexizan/protocol';

/**
 * What other modules may use of PEP (XEP-0163): its events. Modules built
 * on PEP (bookmarks, avatars, vCard4) import only from here.
 */

/** Fired (fireAll) after an item was published or retracted, for modules that keep other data in step. */
export interface PepItemEvent {
  owner: Jid;
  node: string;
  id: string;
  /** null for a retraction */
  payload: Element | null;
}

declare module '../../core/events.ts' {
  interface HookEvents {
    'pep/item': PepItemEvent;
  }
}
