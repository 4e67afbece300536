import { NS, xml, type Element } from '@conexizan/protocol';
import { ReceivedBytes } from '../transport/received-bytes.ts';
import type { ClientConnection, ConnectionEvents, TransportKind } from './connection.ts';

/**
 * XMPP over BOSH (XEP-0206 on XEP-0124): one client connection made of
 * HTTP requests. Each request's <body/> carries the client's elements and
 * is held open until the server has something to say (or `wait` seconds
 * pass); then its response carries the server's elements. Requests are
 * taken strictly in 'rid' order, a repeated rid gets the same answer again
 * (§14.3), and a session with no request for `inactivity` seconds is gone.
 * The stream header has no element of its own: the session creation
 * request and every xmpp:restart='true' stand for it.
 */
export interface BoshRequest {
  rid: number;
  body: Element;
  /** size of the HTTP body, counted like bytes on a socket */
  bytes: number;
  /** writes the HTTP response; false if the client has already gone */
  respond(text: string): boolean;
  /** the client closed the HTTP connection before we answered */
  onAbort(callback: () => void): void;
}

export interface BoshSettings {
  sid: string;
  domain: string;
  secure: boolean;
  /** longest time (seconds) a request is held, at most what the client asked for */
  maxWait: number;
  /** seconds without any request before the session ends */
  inactivity: number;
}

interface Held {
  rid: number;
  respond: (text: string) => boolean;
  timer: NodeJS.Timeout;
}

/** The value of an attribute in the urn:xmpp:xbosh namespace, whatever prefix the client chose. */
export function xboshAttr(body: Element, local: string): string | undefined {
  for (const [name, value] of Object.entries(body.attrs)) {
    const [prefix, rest] = name.split(':');
    if (rest === local && body.attrs[`xmlns:${prefix}`] === NS.XBOSH) return value as string;
  }
  return undefined;
}

export function terminateBody(condition?: string): string {
  return xml('body', { xmlns: NS.HTTPBIND, type: 'terminate', ...(condition ? { condition } : {}) }).toString();
}

export class BoshConnection implements ClientConnection {
  readonly transport: TransportKind;
  readonly canStartTls = false;
  owner: ClientConnection['owner'] = null;
  readonly closed: Promise<void>;
  readonly #settings: BoshSettings;
  readonly #wait: number;
  readonly #hold: number;
  #resolveClosed!: () => void;
  #events: ConnectionEvents | null = null;
  readonly #received = new ReceivedBytes();
  #queue: Element[] = [];
  #queuedBytes = 0;
  #held: Held[] = [];
  #nextRid: number;
  readonly #early = new Map<number, BoshRequest>();
  /** the last answers, by rid, for clients that repeat a request (§14.3) */
  readonly #answers = new Map<number, string>();
  #started = false;
  #version = '';
  #created = false;
  #terminated = false;
  /** a terminate body nobody has picked up yet */
  #unsentTerminate: string | null = null;
  #inactivityTimer: NodeJS.Timeout | null = null;
  #flushScheduled = false;
  #input: Promise<void> = Promise.resolve();
  #pausedUntil = 0;

  /** `first` is the session creation request (no sid yet). */
  constructor(settings: BoshSettings, first: BoshRequest) {
    this.#settings = settings;
    this.transport = settings.secure ? 'boshs' : 'bosh';
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    const askedWait = Number(first.body.attrs.wait);
    this.#wait = Number.isFinite(askedWait) && askedWait > 0 ? Math.min(askedWait, settings.maxWait) : settings.maxWait;
    // One held request is all a client needs; hold='0' means answer at once.
    this.#hold = first.body.attrs.hold === '0' ? 0 : 1;
    this.#nextRid = first.rid;
  }

  get sid(): string {
    return this.#settings.sid;
  }

  get secure(): boolean {
    return this.#settings.secure;
  }

  get bytesReceived(): number {
    return this.#received.total;
  }

  limitUnauthenticatedBytes(limit: number | null): void {
    this.#received.allow(limit);
  }

  get pendingWriteBytes(): number {
    return this.#queuedBytes;
  }

  get terminated(): boolean {
    return this.#terminated;
  }

  setEvents(events: ConnectionEvents): void {
    this.#events = events;
  }

  channelBindingTypes(): string[] {
    return [];
  }

  channelBinding(): Uint8Array | null {
    return null;
  }

  /** Takes the next request of this session (the creation request included). */
  receive(request: BoshRequest): void {
    if (this.#terminated) {
      request.respond(this.#unsentTerminate ?? terminateBody('item-not-found'));
      this.#unsentTerminate = null;
      return;
    }
    this.#clearInactivity();
    const { rid } = request;
    if (rid < this.#nextRid) {
      // §14.3: a repeated request. Still held: the new HTTP request replaces it; answered: the same answer again.
      const held = this.#held.find((entry) => entry.rid === rid);
      if (held) {
        held.respond = request.respond;
        request.onAbort(() => this.#drop(held));
        return;
      }
      const answer = this.#answers.get(rid);
      if (answer !== undefined) {
        request.respond(answer);
        this.#idleCheck();
        return;
      }
      return this.#fail(request, 'item-not-found');
    }
    if (rid > this.#nextRid + this.#hold + 1) return this.#fail(request, 'item-not-found');
    if (rid > this.#nextRid) {
      this.#early.set(rid, request);
      return;
    }
    this.#take(request);
    while (this.#early.has(this.#nextRid)) {
      const next = this.#early.get(this.#nextRid)!;
      this.#early.delete(this.#nextRid);
      this.#take(next);
    }
  }

  openStream(_attrs: unknown, features?: Element): void {
    // The session creation response (or the restart response) is the stream header.
    if (features) this.send(features);
  }

  send(element: Element): void {
    if (this.#terminated) return;
    // XEP-0206 §6: stanzas inside <body/> are qualified by jabber:client.
    if (!element.attrs.xmlns && (element.name === 'message' || element.name === 'presence' || element.name === 'iq')) element.attrs.xmlns = NS.CLIENT;
    this.#queue.push(element);
    this.#queuedBytes += element.toString().length;
    this.#scheduleFlush();
  }

  close(error?: Element): void {
    if (this.#terminated) return;
    if (error) this.#queue.push(error);
    this.#terminated = true;
    const attrs = { type: 'terminate', ...(error ? { condition: 'remote-stream-error' } : {}) };
    const [first, ...rest] = this.#held;
    if (first) {
      this.#answer(first, attrs);
      for (const held of rest) this.#answer(held, { type: 'terminate' });
    } else {
      this.#unsentTerminate = this.#bodyText(attrs, this.#takeQueue());
    }
    this.#finish();
  }

  pauseReading(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + ms);
  }

  async startTls(): Promise<void> {
    throw new Error('STARTTLS is not available over BOSH');
  }

  holdInput(): void {
    // Each message is parsed on its own, and its elements are handled in order.
  }

  releaseInput(): void {}

  restartStream(): void {
    // The client's next body carries xmpp:restart='true'.
  }

  #take(request: BoshRequest): void {
    this.#nextRid = request.rid + 1;
    const withinLimit = this.#received.add(request.bytes, this.#events);
    const held: Held = { rid: request.rid, respond: request.respond, timer: setTimeout(() => this.#answer(held), this.#wait * 1000) };
    held.timer.unref();
    this.#held.push(held);
    request.onAbort(() => this.#drop(held));
    const { body } = request;
    if (!withinLimit) return;
    this.#input = this.#input.then(async () => {
      const delay = this.#pausedUntil - Date.now();
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      if (!this.#started || xboshAttr(body, 'restart') === 'true') {
        // The restart body names no version (XEP-0206 §5): the session's own still holds.
        this.#version = this.#started ? this.#version : (xboshAttr(body, 'version') ?? '');
        this.#started = true;
        this.#events?.streamStart(streamAttributes(body, this.#version), 'stream:stream');
      }
      for (const child of body.getChildElements()) {
        // Elements written without a namespace inherit httpbind's; the stream means jabber:client.
        if (child.attrs.xmlns === undefined) child.attrs.xmlns = NS.CLIENT;
        this.#events?.element(child);
      }
      if (body.attrs.type === 'terminate') this.#events?.streamEnd();
    });
    // Keep at most `hold` requests waiting: the oldest goes back now, with whatever there is.
    while (this.#held.length > this.#hold) this.#answer(this.#held[0]!);
    // What came for the client while it had no request open goes out with this one.
    if (this.#queue.length) this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // Let the elements of one turn of the stream logic travel together.
    setImmediate(() => {
      this.#flushScheduled = false;
      if (this.#queue.length && this.#held.length && !this.#terminated) this.#answer(this.#held[0]!);
    });
  }

  #answer(held: Held, extra: Record<string, string> = {}): void {
    clearTimeout(held.timer);
    this.#held = this.#held.filter((entry) => entry !== held);
    const text = this.#bodyText(extra, this.#takeQueue());
    this.#answers.set(held.rid, text);
    for (const rid of this.#answers.keys()) if (rid < held.rid - this.#hold - 2) this.#answers.delete(rid);
    held.respond(text);
    this.#idleCheck();
  }

  #bodyText(extra: Record<string, string>, children: Element[]): string {
    const attrs: Record<string, string> = { xmlns: NS.HTTPBIND, ...extra };
    if (!this.#created) {
      this.#created = true;
      Object.assign(attrs, {
        sid: this.#settings.sid,
        from: this.#settings.domain,
        wait: String(this.#wait),
        hold: String(this.#hold),
        requests: String(this.#hold + 1),
        inactivity: String(this.#settings.inactivity),
        polling: '2',
        ver: '1.11',
        'xmpp:version': '1.0',
        'xmlns:xmpp': NS.XBOSH,
        'xmlns:stream': NS.STREAM,
      });
    } else if (children.some((child) => child.name.startsWith('stream:'))) {
      attrs['xmlns:stream'] = NS.STREAM;
    }
    return xml('body', attrs, ...children).toString();
  }

  #takeQueue(): Element[] {
    const queue = this.#queue;
    this.#queue = [];
    this.#queuedBytes = 0;
    return queue;
  }

  /** The client gave up on a held request: forget it (what was queued stays for the next one). */
  #drop(held: Held): void {
    if (!this.#held.includes(held)) return;
    clearTimeout(held.timer);
    this.#held = this.#held.filter((entry) => entry !== held);
    this.#idleCheck();
  }

  #fail(request: BoshRequest, condition: string): void {
    request.respond(terminateBody(condition));
    if (!this.#terminated) {
      this.#terminated = true;
      for (const held of this.#held) this.#answer(held, { type: 'terminate', condition });
      this.#finish();
    }
  }

  #idleCheck(): void {
    if (this.#held.length || this.#terminated || this.#inactivityTimer) return;
    this.#inactivityTimer = setTimeout(() => {
      this.#inactivityTimer = null;
      if (this.#held.length || this.#terminated) return;
      this.#terminated = true;
      this.#finish();
    }, this.#settings.inactivity * 1000);
    this.#inactivityTimer.unref();
  }

  #clearInactivity(): void {
    if (this.#inactivityTimer) clearTimeout(this.#inactivityTimer);
    this.#inactivityTimer = null;
  }

  #finish(): void {
    this.#clearInactivity();
    for (const held of this.#held) clearTimeout(held.timer);
    this.#early.clear();
    this.#resolveClosed();
    this.#events?.closed();
  }
}

/** What a stream header would have said (XEP-0206 §5: to, xml:lang, xmpp:version on the body). */
function streamAttributes(body: Element, version: string): Record<string, string> {
  return {
    to: (body.attrs.to as string | undefined) ?? '',
    'xml:lang': (body.attrs['xml:lang'] as string | undefined) ?? 'en',
    version,
    xmlns: NS.CLIENT,
    'xmlns:stream': NS.STREAM,
  };
}
