import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import { cloneElement, NS, STREAM_END, streamErrorElement, streamHeader, streamHeaderProblem, tryParseJid, type Element, type StreamErrorCondition } from '@conexizan/protocol';
import { ByteRate } from '../../transport/byte-rate.ts';
import { StreamParser } from '../../transport/stream-parser.ts';

/**
 * One external component's stream (XEP-0114 §3): the component opens a
 * stream in jabber:component:accept to its domain, the server answers with
 * a stream id, the component proves it knows the shared secret with
 * <handshake>hex(SHA-1(id + secret))</handshake>, and from then on stanzas
 * flow both ways. The connection knows the protocol; the module decides
 * which domains exist, who is connected, and routes.
 */
export interface ComponentHost {
  /** the configured secret of a component domain, or undefined for an unknown one */
  secretFor(domain: string): string | undefined;
  /** the handshake succeeded: claim the domain (false: another connection has it) */
  attach(domain: string, connection: ComponentConnection): boolean;
  detach(domain: string, connection: ComponentConnection): void;
  /** a stanza from the component, its `from` already checked to be in its domain */
  receive(domain: string, stanza: Element): Promise<void>;
  readonly serverDomain: string;
  readonly limits: { maxStanzaBytes: number; bytesPerSecond: number; handshakeSeconds: number };
}

const STANZAS = new Set(['message', 'presence', 'iq']);

export class ComponentConnection {
  readonly #socket: Socket;
  readonly #host: ComponentHost;
  readonly #parser: StreamParser;
  readonly #rate: ByteRate;
  readonly #streamId = randomBytes(12).toString('hex');
  #stage: 'header' | 'handshake' | 'ready' | 'closed' = 'header';
  #domain: string | null = null;
  #headerSent = false;
  #queue: Promise<void> = Promise.resolve();
  readonly #timer: NodeJS.Timeout;
  readonly closed: Promise<void>;

  constructor(socket: Socket, host: ComponentHost) {
    this.#socket = socket;
    this.#host = host;
    this.#rate = new ByteRate(host.limits.bytesPerSecond, host.limits.bytesPerSecond + 2 * host.limits.maxStanzaBytes);
    this.#parser = new StreamParser(
      {
        streamStart: (attrs, name) => this.#onHeader(attrs, name),
        element: (element) => {
          this.#queue = this.#queue.then(() => this.#onElement(element)).catch(() => this.close('internal-server-error'));
        },
        streamEnd: () => this.close(),
        error: (condition, text) => this.close(condition, text),
      },
      { maxStanzaBytes: host.limits.maxStanzaBytes },
    );
    this.#timer = setTimeout(() => {
      if (this.#stage !== 'ready') this.close('connection-timeout', 'no handshake in time');
    }, host.limits.handshakeSeconds * 1000);
    this.#timer.unref();
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => {
      const wait = this.#rate.consume(data.length);
      if (wait > 0) {
        socket.pause();
        setTimeout(() => socket.resume(), wait).unref();
      }
      this.#parser.write(data);
    });
    socket.on('error', () => undefined);
    socket.once('close', () => this.#onClosed());
  }

  /** the component's domain once the handshake succeeded */
  get domain(): string | null {
    return this.#stage === 'ready' ? this.#domain : null;
  }

  /** A stanza to the component. Stanzas from clients carry no namespace or jabber:client; the stream's is the component one. */
  send(stanza: Element): void {
    if (this.#stage !== 'ready') return;
    let out = stanza;
    if (stanza.attrs.xmlns === NS.CLIENT) {
      out = cloneElement(stanza);
      delete out.attrs.xmlns;
    }
    this.#socket.write(out.toString());
  }

  close(condition?: StreamErrorCondition, text?: string): void {
    if (this.#stage === 'closed') return;
    this.#stage = 'closed';
    clearTimeout(this.#timer);
    if (condition) {
      this.#writeHeader();
      this.#socket.write(streamErrorElement(condition, text).toString());
    }
    if (this.#headerSent) this.#socket.write(STREAM_END);
    this.#socket.end();
    setTimeout(() => this.#socket.destroy(), 2000).unref();
    this.#onClosed();
  }

  #writeHeader(from = this.#host.serverDomain): void {
    if (this.#headerSent) return;
    this.#headerSent = true;
    this.#socket.write(streamHeader({ xmlns: NS.COMPONENT_ACCEPT, from, id: this.#streamId, version: null }));
  }

  #onHeader(attrs: Record<string, string>, name: string): void {
    if (this.#stage !== 'header') return this.close('not-authorized', 'the stream was already opened');
    const problem = streamHeaderProblem(name, attrs, NS.COMPONENT_ACCEPT);
    if (problem) return this.close(problem.condition, problem.text);
    const domain = tryParseJid(attrs.to ?? '')?.toString();
    if (!domain || domain.includes('@') || domain.includes('/') || this.#host.secretFor(domain) === undefined) {
      return this.close('host-unknown', 'no such component');
    }
    this.#domain = domain;
    this.#writeHeader(domain);
    this.#stage = 'handshake';
  }

  async #onElement(element: Element): Promise<void> {
    if (this.#stage === 'handshake') return this.#onHandshake(element);
    if (this.#stage !== 'ready') return;
    const domain = this.#domain!;
    if (!STANZAS.has(element.name) || element.getNS() !== NS.COMPONENT_ACCEPT) {
      return this.close('unsupported-stanza-type', `unknown element ${element.name}`);
    }
    const from = tryParseJid(element.attrs.from as string | undefined);
    if (!from || from.domain !== domain) return this.close('invalid-from', 'a component may only send from its own domain');
    if (!tryParseJid(element.attrs.to as string | undefined)) return this.close('improper-addressing', 'stanzas from a component need a valid to');
    if (element.attrs.xmlns === NS.COMPONENT_ACCEPT) delete element.attrs.xmlns;
    element.parent = null;
    await this.#host.receive(domain, element);
  }

  #onHandshake(element: Element): void {
    if (element.name !== 'handshake' || element.getNS() !== NS.COMPONENT_ACCEPT) return this.close('not-authorized', 'handshake first');
    const domain = this.#domain!;
    const secret = this.#host.secretFor(domain);
    if (secret === undefined) return this.close('host-unknown');
    const expected = createHash('sha1').update(this.#streamId + secret).digest();
    const given = Buffer.from(element.getText().trim().toLowerCase(), 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return this.close('not-authorized', 'wrong handshake');
    if (!this.#host.attach(domain, this)) return this.close('conflict', 'this component is already connected');
    this.#stage = 'ready';
    clearTimeout(this.#timer);
    this.#socket.write('<handshake/>');
  }

  #onClosed(): void {
    if (this.#domain) this.#host.detach(this.#domain, this);
    if (this.#stage !== 'closed') {
      this.#stage = 'closed';
      clearTimeout(this.#timer);
    }
  }
}
