import { NS, xml, type Element } from '@conexizan/protocol';

/** Whether an element is `name` in `ns`, whatever prefix the peer chose for it (db:result, stream:features…). */
export function isQualified(element: Element, name: string, ns: string): boolean {
  return element.getName() === name && element.getNS() === ns;
}

/** <db:result/> or <db:verify/>, with the prefix our stream header declares. */
export function dialbackElement(kind: 'result' | 'verify', attrs: Record<string, string>, key?: string): Element {
  return key === undefined ? xml(`db:${kind}`, attrs) : xml(`db:${kind}`, attrs, key);
}

export type DialbackErrorCondition = 'item-not-found' | 'remote-connection-failed' | 'remote-server-not-found' | 'remote-server-timeout' | 'policy-violation' | 'not-allowed' | 'internal-server-error';

/** XEP-0220 §2.4: a dialback answer of type 'error' carries a stanza error. */
export function dialbackError(kind: 'result' | 'verify', attrs: Record<string, string>, condition: DialbackErrorCondition): Element {
  const type = condition === 'remote-server-timeout' || condition === 'internal-server-error' ? 'wait' : 'cancel';
  return xml(`db:${kind}`, { ...attrs, type: 'error' }, xml('error', { type }, xml(condition, { xmlns: NS.STANZAS_ERR })));
}

/** The condition of a dialback error answer, if it has one. */
export function dialbackErrorCondition(element: Element): string | null {
  const error = element.getChild('error');
  const condition = error?.getChildElements().find((child) => child.attrs.xmlns === NS.STANZAS_ERR);
  return condition?.name ?? null;
}
