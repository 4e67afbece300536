// @xmpp/client 0.14 ships no types; we declare the part the session layer uses.
declare module '@xmpp/client' {
  import type { Element } from '@conexizan/protocol/xml';

  // Listeners of every shape (a stanza, a status string, an error) go through these two signatures.
  interface EventSource {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above: unknown[] would refuse a listener typed for its event
    on(event: string, listener: (...args: any[]) => void): void;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as for on()
    removeListener(event: string, listener: (...args: any[]) => void): void;
  }

  export interface SaslFactory {
    use(name: string, mechanism: new () => unknown): void;
  }

  export interface XmppClient extends EventSource {
    status: string;
    jid: { toString(): string; local: string; domain: string; resource: string } | null;
    options: { service: string; domain: string };
    start(): Promise<unknown>;
    stop(): Promise<unknown>;
    disconnect(): Promise<unknown>;
    send(element: Element): Promise<void>;
    isSecure(): boolean;
    iqCaller: {
      request(element: Element, timeout?: number): Promise<Element>;
      get(payload: Element, to?: string, timeout?: number): Promise<Element>;
      set(payload: Element, to?: string, timeout?: number): Promise<Element>;
    };
    iqCallee: {
      get(ns: string, name: string, handler: (ctx: { stanza: Element }) => unknown): void;
      set(ns: string, name: string, handler: (ctx: { stanza: Element }) => unknown): void;
    };
    reconnect: EventSource & { stop(): void; start(): void; delay: number };
    streamManagement: EventSource & { id: string; enabled: boolean; timeout: number; requestAckInterval: number };
    saslFactory: SaslFactory;
  }

  /** the credentials object reaches the SASL mechanism as it is (ours carries a SaltedPassword instead of a password for saved logins) */
  export type Authenticate = (credentials: { username: string; password?: string }, mechanism: string) => Promise<void>;

  export interface ClientOptions {
    service: string;
    domain: string;
    resource?: string;
    username?: string;
    password?: string;
    credentials?: (authenticate: Authenticate, mechanisms: string[]) => Promise<void>;
    lang?: string;
  }

  export function client(options: ClientOptions): XmppClient;
}
