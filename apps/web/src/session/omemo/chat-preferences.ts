import { NS } from '@conexizan/protocol/namespaces';
import { xml, type Element } from '@conexizan/protocol/xml';
import type { OmemoPep, OmemoStore } from '@conexizan/crypto/omemo';
import { bare } from '../stanzas.ts';

/** Per chat: OMEMO (the default), OpenPGP for XMPP, or plain text; only the user chooses other than OMEMO. */
export type ChatEncryption = 'omemo' | 'openpgp' | 'plain';

/**
 * Where the choices live on the server: a private PEP node of the account
 * (XEP-0223: access model whitelist, so only the account itself reads it),
 * one item per contact whose chat is not on the default. Every device of the
 * account reads it at login and follows its notifications, so "send
 * unencrypted to Bob" chosen on the phone holds in the browser too.
 */
export const CHAT_PREFERENCES_NODE = 'urn:conexizan:chat-encryption:0';

const LOCAL_KEY = 'web-chat-encryption:';
const MODES: ChatEncryption[] = ['omemo', 'openpgp', 'plain'];

export function chatPreferenceElement(mode: ChatEncryption): Element {
  return xml('chat', { xmlns: CHAT_PREFERENCES_NODE, encryption: mode });
}

function modeOf(payload: Element | undefined): ChatEncryption | undefined {
  const mode = payload?.name === 'chat' && payload.getNS() === CHAT_PREFERENCES_NODE ? payload.attrs.encryption : undefined;
  return MODES.find((m) => m === mode);
}

export class ChatPreferences {
  /** what the local store says, for reading without waiting (filled by load, set and notifications) */
  readonly #cache = new Map<string, ChatEncryption>();

  constructor(
    private readonly own: string,
    private readonly pep: OmemoPep,
    /** this device's copy, read while offline */
    private readonly local: OmemoStore,
    private readonly changed: (peer: string) => void,
  ) {}

  async get(peer: string): Promise<ChatEncryption> {
    const mode = ((await this.local.get(LOCAL_KEY + peer)) as ChatEncryption | undefined) ?? 'omemo';
    this.#cache.set(peer, mode);
    return mode;
  }

  /** The last known choice, without waiting for storage ('omemo' until known otherwise). */
  cached(peer: string): ChatEncryption {
    return this.#cache.get(peer) ?? 'omemo';
  }

  async set(peer: string, mode: ChatEncryption): Promise<void> {
    this.#cache.set(peer, mode);
    await this.local.set(LOCAL_KEY + peer, mode);
    this.changed(peer);
    // The default is no item at all: the server keeps only exceptions.
    if (mode === 'omemo') await this.pep.retract(CHAT_PREFERENCES_NODE, peer).catch((error: { condition?: string }) => {
      if (error.condition !== 'item-not-found') throw error;
    });
    else await this.pep.publish(CHAT_PREFERENCES_NODE, chatPreferenceElement(mode), { itemId: peer, access: 'whitelist', maxItems: 'max' });
  }

  /** At login: the account's choices as the server has them (other devices may have changed them). */
  async load(): Promise<void> {
    const items = await this.pep.fetchItems(undefined, CHAT_PREFERENCES_NODE);
    const remote = new Map(items.flatMap((item) => {
      const mode = modeOf(item.payload);
      return mode && item.id ? [[item.id, mode] as const] : [];
    }));
    for (const key of await this.local.keys(LOCAL_KEY)) {
      const peer = key.slice(LOCAL_KEY.length);
      if (!remote.has(peer) && (await this.local.get(key)) !== 'omemo') await this.#apply(peer, 'omemo');
    }
    for (const [peer, mode] of remote) await this.#apply(peer, mode);
    for (const key of await this.local.keys(LOCAL_KEY)) await this.get(key.slice(LOCAL_KEY.length));
  }

  /** A PEP notification; true if it was ours (only believed from the own account). */
  onEvent(stanza: Element): boolean {
    const items = stanza.getChild('event', NS.PUBSUB_EVENT)?.getChild('items');
    if (items?.attrs.node !== CHAT_PREFERENCES_NODE) return false;
    if (!stanza.attrs.from || bare(stanza.attrs.from) !== this.own) return true;
    for (const item of items.getChildren('item')) {
      const mode = modeOf(item.getChildElements()[0]);
      if (mode && item.attrs.id) void this.#apply(item.attrs.id, mode);
    }
    for (const retract of items.getChildren('retract')) if (retract.attrs.id) void this.#apply(retract.attrs.id, 'omemo');
    return true;
  }

  async #apply(peer: string, mode: ChatEncryption): Promise<void> {
    if ((await this.get(peer)) === mode) return;
    this.#cache.set(peer, mode);
    await this.local.set(LOCAL_KEY + peer, mode);
    this.changed(peer);
  }
}
