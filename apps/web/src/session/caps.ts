import { capsElement, capsHash, type CapsInput } from '@conexizan/protocol/caps';
import { discoInfoResult } from '@conexizan/protocol/disco';
import { NS } from '@conexizan/protocol/namespaces';
import type { Element } from '@conexizan/protocol/xml';
import { CHAT_PREFERENCES_NODE } from './omemo/chat-preferences.ts';
import { DEVICE_INFO_NODE } from './omemo/device-info.ts';

/** What this client supports (XEP-0030), announced with XEP-0115 caps so PEP sends us nicknames. */
export const CLIENT_CAPS: CapsInput = {
  identities: [{ category: 'client', type: 'web', name: 'Conexizan' }],
  features: [
    NS.DISCO_INFO,
    NS.CAPS,
    NS.PING,
    NS.RECEIPTS,
    NS.CHAT_MARKERS,
    NS.CHATSTATES,
    NS.CORRECTION,
    NS.RETRACT,
    NS.REACTIONS,
    NS.REPLY,
    NS.OOB,
    NS.NICK,
    `${NS.NICK}+notify`,
    // OMEMO device lists arrive as PEP notifications, so we encrypt for a contact's new devices
    `${NS.OMEMO_LEGACY}.devicelist+notify`,
    `${NS.OMEMO}:devices+notify`,
    // the account's own encryption choices per chat and its devices' labels, kept in sync across its devices
    `${CHAT_PREFERENCES_NODE}+notify`,
    `${DEVICE_INFO_NODE}+notify`,
    // contacts' OpenPGP keys (XEP-0373 §4.5)
    `${NS.OPENPGP}:public-keys+notify`,
  ],
};

export const CAPS_NODE = 'https://conexizan.org/web';

let cached: Promise<string> | null = null;
export function capsVer(): Promise<string> {
  cached ??= capsHash(CLIENT_CAPS);
  return cached;
}

export async function capsPresenceChild(): Promise<Element> {
  return capsElement(CAPS_NODE, await capsVer());
}

export function discoInfoReply(node: string | undefined): Element {
  return discoInfoResult({ identities: CLIENT_CAPS.identities, features: CLIENT_CAPS.features, node });
}
