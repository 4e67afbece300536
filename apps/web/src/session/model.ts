import type { MessageSecurity, OmemoErrorCode } from '@conexizan/crypto/omemo';
import type { OxErrorCode } from '@conexizan/crypto/openpgp';

/** The session layer's data: plain objects, replaced (never mutated) when they change. */
export type DeliveryState = 'pending' | 'sent' | 'delivered' | 'read' | 'failed' | 'received';

export interface FileRef {
  url: string;
  name?: string;
  mime?: string;
  size?: number;
}

export interface ChatMessage {
  /** the message's id attribute (our origin-id for our own messages): what receipts, corrections and reactions point at */
  id: string;
  /** bare JID of the other party */
  peer: string;
  outgoing: boolean;
  body: string;
  /** milliseconds since the epoch */
  timestamp: number;
  /** XEP-0359 stanza-id our server gave it: the archive's id */
  archiveId?: string;
  state: DeliveryState;
  edited?: boolean;
  retracted?: boolean;
  /** reactor bare JID -> their emojis */
  reactions?: Record<string, string[]>;
  replyTo?: { id: string; text?: string };
  file?: FileRef;
  /** whether the sender asked for a chat marker (XEP-0333) */
  markable?: boolean;
  /** how it travelled (OMEMO, see omemo/layer.ts); absent means not encrypted */
  security?: MessageSecurity;
  /** why an encrypted message could not be decrypted (an OmemoError or OxError code); body then holds the explanation */
  undecryptable?: OmemoErrorCode | OxErrorCode;
  /** it travelled with OpenPGP for XMPP (XEP-0374) rather than OMEMO */
  method?: 'openpgp';
  /** an OpenPGP message not opened yet for want of the account's key in this browser (Base64); opened when it comes */
  sealed?: string;
}

export interface RosterItem {
  jid: string;
  name?: string;
  subscription: 'none' | 'to' | 'from' | 'both';
  /** we asked to see their presence and wait for an answer */
  pending: boolean;
  groups: string[];
}

export type Availability = 'online' | 'away' | 'busy' | 'offline';

export interface Conversation {
  peer: string;
  messages: ChatMessage[];
  unread: number;
  draft: string;
  typing: boolean;
  /** the archive has nothing older than messages[0] */
  historyComplete: boolean;
  lastActivity: number;
}
