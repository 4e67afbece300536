import { NS, StanzaError, xml, type StanzaErrorCondition, type StanzaErrorType } from '@conexizan/protocol';

/**
 * XEP-0060 errors: a stanza error condition plus a condition in the
 * pubsub#errors namespace (§7.1.3, §6.5.9…), optionally naming the feature
 * that is not implemented.
 */
export function pubsubError(condition: StanzaErrorCondition, type: StanzaErrorType, pubsubCondition?: string, text?: string, feature?: string): StanzaError {
  return new StanzaError(condition, {
    type,
    text,
    appCondition: pubsubCondition ? xml(pubsubCondition, { xmlns: NS.PUBSUB_ERRORS, feature }) : undefined,
  });
}

export const nodeRequired = () => pubsubError('bad-request', 'modify', 'nodeid-required');
export const noSuchNode = () => new StanzaError('item-not-found', { type: 'cancel' });
export const ownerOnly = () => new StanzaError('forbidden', { type: 'auth' });
/** §7.1.5: the node exists with a configuration that differs from the publish-options. */
export const preconditionNotMet = (text?: string) => pubsubError('conflict', 'cancel', 'precondition-not-met', text);
