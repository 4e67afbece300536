import { hasFrom, StanzaError, type Jid } from '@conexizan/protocol';
import type { ServerCore } from '../../core/core.ts';
import type { NodeConfig } from './config.ts';
import { pubsubError } from './errors.ts';

/**
 * Who may retrieve items of, and subscribe to, a PEP node (XEP-0060 §4.5,
 * XEP-0163 §4): the owner always; outcasts never; otherwise the node's
 * access model decides. Throws the XEP-0060 §6.1.3 / §6.5.9 error.
 */
export async function checkAccess(core: ServerCore, owner: Jid, node: string, config: NodeConfig, requester: Jid): Promise<void> {
  const who = requester.bare();
  if (who.equals(owner)) return;
  const affiliation = (await core.storage.pubsub.affiliations(owner.local, node)).find((a) => a.jid === who.toString())?.affiliation;
  if (affiliation === 'outcast') throw new StanzaError('forbidden', { type: 'auth' });
  switch (config.access_model) {
    case 'open':
      return;
    case 'presence': {
      const item = await core.storage.roster.get(owner.local, who.toString());
      if (item && hasFrom(item.subscription)) return;
      throw pubsubError('not-authorized', 'auth', 'presence-subscription-required');
    }
    case 'roster': {
      const item = await core.storage.roster.get(owner.local, who.toString());
      if (item && hasFrom(item.subscription) && item.groups.some((group) => config.roster_groups_allowed.includes(group))) return;
      throw pubsubError('not-authorized', 'auth', 'not-in-roster-group');
    }
    case 'whitelist':
      if (affiliation === 'member' || affiliation === 'publisher' || affiliation === 'owner') return;
      throw pubsubError('not-allowed', 'cancel', 'closed-node');
  }
}

/** checkAccess as a yes/no, for choosing whom to notify. */
export async function mayAccess(core: ServerCore, owner: Jid, node: string, config: NodeConfig, requester: Jid): Promise<boolean> {
  try {
    await checkAccess(core, owner, node, config, requester);
    return true;
  } catch (error) {
    if (error instanceof StanzaError) return false;
    throw error;
  }
}
