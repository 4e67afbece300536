// Minimal type declarations for @xmpp/client 0.14 (the package ships none):
// only what the interop tests use.
declare module '@xmpp/client' {
  import type { Element } from '@conexizan/protocol';

  export interface XmppJid {
    local: string;
    domain: string;
    resource: string;
    bare(): XmppJid;
    toString(): string;
  }

  export interface XmppClientOptions {
    service: string;
    domain?: string;
    resource?: string;
    username?: string;
    password?: string;
    lang?: string;
    timeout?: number;
  }

  export interface XmppClient {
    jid: XmppJid | null;
    status: string;
    timeout: number;
    options: XmppClientOptions;
    reconnect: { stop(): void; start(): void };
    /** xmpp.js's wrapper of the socket under the stream; `socket` is Node's (a TLSSocket after STARTTLS) */
    socket: { socket?: import('node:net').Socket } | null;
    /** XEP-0198: 'ack' for each stanza the server acknowledged, 'fail' for those it never did */
    streamManagement: { enabled: boolean; on(event: 'ack' | 'fail', listener: (stanza: Element) => void): void };
    iqCaller: { request(element: Element, timeout?: number): Promise<Element> };
    start(): Promise<XmppJid>;
    stop(): Promise<Element | undefined>;
    send(element: Element): Promise<void>;
    isSecure(): boolean;
    on(event: 'stanza' | 'nonza' | 'element' | 'send', listener: (element: Element) => void): this;
    on(event: 'error', listener: (error: Error & { condition?: string; element?: Element }) => void): this;
    on(event: 'online', listener: (jid: XmppJid) => void): this;
    on(event: 'offline' | 'disconnect' | 'close', listener: (...args: unknown[]) => void): this;
    on(event: 'status', listener: (status: string, ...args: unknown[]) => void): this;
  }

  export function client(options: XmppClientOptions): XmppClient;
  export function xml(name: string, attrs?: Record<string, string | undefined> | null, ...children: (Element | string | undefined)[]): Element;
}
