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
  /**
   * For an account export (XEP-0227): every node with its configuration as
   * a submitted XEP-0060 form, its items oldest first, and the affiliations
   * its owner granted.
   */
  exportNodes(owner: Jid): Promise<ExportedNode[]>;
  /**
   * For an account import: creates the node with the configuration of such
   * a form (an option it does not know is refused: not-acceptable), then
   * publishes the items in order and grants the affiliations.
   */
  importNode(owner: Jid, node: ExportedNode): Promise<void>;
}

export interface ExportedNode {
  node: string;
  /** <x xmlns='jabber:x:data' type='submit'/> with the pubsub#… options, or null for the defaults */
  config: Element | null;
  items: { id: string; payload: Element }[];
  affiliations: { jid: string; affiliation: 'member' | 'outcast' | 'publisher' }[];
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
