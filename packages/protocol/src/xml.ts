/// <reference path="./xmpp-xml.d.ts" />
// The single entry point to the XML layer. Other packages import these from
// @conexizan/protocol; only this file imports @xmpp/xml.
import { xml, Element, Parser, XMLError, escapeXML, unescapeXML, escapeXMLText, unescapeXMLText } from '@xmpp/xml';
import type { Node, XmlAttrs, XmlChild } from '@xmpp/xml';

export { xml, Element, Parser, XMLError, escapeXML, unescapeXML, escapeXMLText, unescapeXMLText };
export type { Node, XmlAttrs, XmlChild };

/** Deep copy of an element (ltx elements are mutable and re-parent on append). */
export function cloneElement(el: Element): Element {
  const copy = new Element(el.name, { ...el.attrs });
  for (const child of el.children) {
    copy.children.push(typeof child === 'string' ? child : cloneElement(child));
  }
  for (const child of copy.children) {
    if (typeof child !== 'string') child.parent = copy;
  }
  return copy;
}

/** Parse one complete XML document/fragment into an Element (throws XMLError). */
export function parseXml(text: string): Element {
  const parser = new Parser();
  let result: Element | null = null;
  let error: Error | null = null;
  // @xmpp/xml emits top-level children separately (stream semantics) and does
  // not attach them to the root, so re-attach them in document order.
  parser.on('element', (el) => {
    parser.root?.children.push(el);
  });
  parser.on('end', (el) => {
    result = el;
  });
  parser.on('error', (err) => {
    error = err;
  });
  parser.write(text);
  parser.end();
  if (error) throw error;
  if (!result) throw new XMLError('incomplete XML');
  return result;
}
