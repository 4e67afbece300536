// Minimal type declarations for @xmpp/xml 0.14 (ltx based). The package ships no
// types; we declare only what Conexizan uses. Everyone else imports these names
// from @conexizan/protocol, never from @xmpp/xml directly.
declare module '@xmpp/xml' {
  export type Node = Element | string;
  export type XmlAttrs = Record<string, string | number | null | undefined>;
  export type XmlChild = Element | string | number | boolean | null | undefined | readonly XmlChild[];

  export class Element {
    constructor(name: string, attrs?: string | XmlAttrs | null);
    name: string;
    parent: Element | null;
    children: Node[];
    attrs: Record<string, string>;
    /** true when the local name matches and (if given) the namespace too */
    is(name: string, xmlns?: string): boolean;
    /** local name, without prefix */
    getName(): string;
    getNS(): string | undefined;
    findNS(prefix?: string): string | undefined;
    getAttr(name: string, xmlns?: string): string | undefined;
    getChild(name: string, xmlns?: string): Element | undefined;
    getChildren(name: string, xmlns?: string): Element[];
    getChildByAttr(attr: string, val: string, xmlns?: string, recursive?: boolean): Element | undefined;
    getChildrenByAttr(attr: string, val: string, xmlns?: string, recursive?: boolean): Element[];
    getChildrenByFilter(filter: (child: Node) => boolean, recursive?: boolean): Node[];
    getChildText(name: string, xmlns?: string): string | null;
    getChildElements(): Element[];
    getText(): string;
    root(): Element;
    up(): Element;
    c(name: string, attrs?: string | XmlAttrs | null): Element;
    cnode<T extends Node>(child: T): T;
    append(...nodes: Node[]): void;
    prepend(...nodes: Node[]): void;
    t(text: string): this;
    remove(el: Element | string, xmlns?: string): this;
    text(): string;
    text(val: string): this | string;
    attr(name: string): string | undefined;
    attr(name: string, val: string | null): this;
    toString(): string;
    write(writer: (chunk: string) => void): void;
  }

  export function xml(name: string, attrs?: string | XmlAttrs | null, ...children: XmlChild[]): Element;
  export function createElement(name: string, attrs?: string | XmlAttrs | null, ...children: XmlChild[]): Element;
  export default xml;

  export class XMLError extends Error {}

  /**
   * Streaming parser. Emits 'start' with the root element (the stream header),
   * 'element' for each complete top-level child (stanza), 'end' with the root
   * when the root closes, and 'error' with an XMLError.
   */
  export class Parser {
    constructor();
    root: Element | null;
    cursor: Element | null;
    on(event: 'start' | 'element' | 'end', listener: (el: Element) => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
    once(event: 'start' | 'element' | 'end', listener: (el: Element) => void): this;
    once(event: 'error', listener: (err: Error) => void): this;
    off(event: string, listener: (...args: never[]) => void): this;
    removeListener(event: string, listener: (...args: never[]) => void): this;
    removeAllListeners(event?: string): this;
    write(data: string): void;
    end(data?: string): void;
  }

  export function escapeXML(s: string): string;
  export function unescapeXML(s: string): string;
  export function escapeXMLText(s: string): string;
  export function unescapeXMLText(s: string): string;
}
