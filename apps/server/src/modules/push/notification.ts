import { buildDataForm, carbonInner, hasContent, NS, parseXml, xml, type Element, type Jid } from '@conexizan/protocol';

/** XEP-0357 §5: the FORM_TYPE of the summary a notification carries. */
/** XEP-0353: a call being proposed is worth waking a phone for. */

export interface PushTarget {
  /** the app server's JID */
  jid: string;
  node: string;
  /** the publish-options form the client gave, as XML, or null */
  options: string | null;
}

/**
 * The notification (XEP-0357 §7): a pubsub publish from the user's bare JID
 * to the app server, with the client's publish-options. For privacy the
 * summary only says how many messages are waiting: never who sent them,
 * never what they say.
 */
export function notificationIq(user: Jid, target: PushTarget, messageCount: number): Element {
  const summary = buildDataForm({
    type: 'submit',
    fields: [
      { var: 'FORM_TYPE', type: 'hidden', values: [NS.PUSH_SUMMARY] },
      { var: 'message-count', values: [String(messageCount)] },
    ],
  });
  const pubsub = xml('pubsub', { xmlns: NS.PUBSUB },
    xml('publish', { node: target.node }, xml('item', null, xml('notification', { xmlns: NS.PUSH }, summary))));
  if (target.options !== null) pubsub.append(xml('publish-options', null, parseXml(target.options)));
  return xml('iq', { type: 'set', from: user.bare().toString(), to: target.jid }, pubsub);
}

/**
 * Whether a message is worth a push (what Conversations and mod_cloud_notify
 * count as important): a chat or normal message with a body, an end-to-end
 * encrypted payload or a call proposal, also inside a carbon copy of a
 * message the user received. Not chat states, receipts, markers, archive
 * results, errors, headlines, or copies of what the user sent themselves.
 */
export function isImportant(message: Element): boolean {
  if (message.name !== 'message') return false;
  const type = (message.attrs.type as string | undefined) ?? 'normal';
  if (type !== 'chat' && type !== 'normal') return false;
  if (message.getChild('sent', NS.CARBONS)) return false;
  const inner = message.getChild('received', NS.CARBONS) ? carbonInner(message) : message;
  if (!inner) return false;
  return hasContent(inner) || inner.getChild('propose', NS.JINGLE_MESSAGE) !== undefined;
}
