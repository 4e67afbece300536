// XEP-0030 service discovery builders and parser (with XEP-0128 extended info).
import { xml, Element, cloneElement } from './xml.ts';
import { NS } from './namespaces.ts';
import { StanzaError } from './errors.ts';
import { parseDataForm } from './dataforms.ts';
import type { DataForm } from './dataforms.ts';

export interface DiscoIdentity {
  category: string;
  type: string;
  name?: string;
  /** xml:lang of the name */
  lang?: string;
}

export interface DiscoInfo {
  identities: DiscoIdentity[];
  features: string[];
  /** XEP-0128 extension forms, `<x xmlns="jabber:x:data" type="result">` elements */
  forms?: Element[];
  node?: string;
}

/** `<query xmlns="http://jabber.org/protocol/disco#info" [node]>` with identities, features and forms. */
export function discoInfoResult(info: DiscoInfo): Element {
  const q = xml('query', { xmlns: NS.DISCO_INFO, node: info.node });
  for (const i of info.identities) {
    q.append(xml('identity', { category: i.category, type: i.type, name: i.name, 'xml:lang': i.lang }));
  }
  for (const f of new Set(info.features)) q.append(xml('feature', { var: f }));
  for (const form of info.forms ?? []) q.append(cloneElement(form));
  return q;
}

export interface DiscoItem {
  jid: string;
  node?: string;
  name?: string;
}

/** `<query xmlns="http://jabber.org/protocol/disco#items" [node]>` with items. */
export function discoItemsResult(items: DiscoItem[], node?: string): Element {
  return xml(
    'query',
    { xmlns: NS.DISCO_ITEMS, node },
    items.map((i) => xml('item', { jid: i.jid, node: i.node, name: i.name })),
  );
}

export interface ParsedDiscoInfo {
  identities: DiscoIdentity[];
  features: string[];
  forms: DataForm[];
  node: string | null;
}

/**
 * Parses a disco#info `<query/>`. Throws StanzaError('bad-request') when an
 * identity lacks category/type, a feature lacks var, or an extension form is
 * malformed. Forms are returned as parsed DataForms.
 */
export function parseDiscoInfo(query: Element): ParsedDiscoInfo {
  if (!query.is('query', NS.DISCO_INFO)) throw new StanzaError('bad-request', 'not a disco#info query');
  const identities: DiscoIdentity[] = [];
  const features: string[] = [];
  const forms: DataForm[] = [];
  for (const c of query.getChildElements()) {
    const name = c.getName();
    if (name === 'identity') {
      const { category, type, name: n } = c.attrs;
      if (!category || !type) throw new StanzaError('bad-request', 'identity without category or type');
      const id: DiscoIdentity = { category, type };
      if (n !== undefined) id.name = n;
      const lang = c.attrs['xml:lang'];
      if (lang !== undefined) id.lang = lang;
      identities.push(id);
    } else if (name === 'feature') {
      const v = c.attrs.var;
      if (!v) throw new StanzaError('bad-request', 'feature without var');
      features.push(v);
    } else if (c.is('x', NS.DATA_FORMS)) {
      forms.push(parseDataForm(c));
    }
  }
  return { identities, features, forms, node: query.attrs.node ?? null };
}

