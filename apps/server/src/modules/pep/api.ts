import type { Element, Jid } from '@conexizan/protocol';
import type { NodeConfig } from './config.ts';

/**
 * What other modules may use of PEP (XEP-0163): the service ('pep') and its
 * event. Modules built on PEP (bookmarks, avatars, vCard4) declare
 * `depends: ['pep']`, get it with ctx.require('pep'), and import nothing
 * but types from here.
 */
export type { AccessModel, NodeConfig, SendLast } from './config.ts';

/** The PEP nodes of local accounts, with every access checked as for a client's request. */
export interface Pep {
  /** a node's configuration, or null when the node does not exist */
  config(owner: Jid, node: string): Promise<NodeConfig | null>;
  /** the items `requester` may read, newest first */
  items(owner: Jid, requester: Jid, node: string, select?: { ids?: string[]; max?: number }): Promise<Element[]>;
  /** Publishes as the owner (creating the node with `options` if needed); returns the item id. */
  publish(owner: Jid, node: string, item: { id?: string; payload: Element }, options?: Partial<NodeConfig> | null): Promise<string>;
  retract(owner: Jid, node: string, id: string, notify?: boolean): Promise<void>;
}

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

declare module '../../core/services.ts' {
  interface Services {
    pep: Pep;
  }
}
