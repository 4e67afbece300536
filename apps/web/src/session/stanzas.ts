import { NS } from '@conexizan/protocol/namespaces';
import { parseXmppDateTime } from '@conexizan/protocol/stanza';
import { xml, type Element } from '@conexizan/protocol/xml';
import type { ChatMessage, FileRef } from './model.ts';
import { readSecurityMark } from './omemo/security-mark.ts';

/** What one incoming message stanza means for the conversation store. */
export type MessageEvent =
  | { kind: 'message'; message: ChatMessage }
  | { kind: 'receipt'; peer: string; id: string }
  | { kind: 'marker'; peer: string; id: string; marker: 'received' | 'displayed' }
  | { kind: 'chatstate'; peer: string; composing: boolean }
  | { kind: 'correction'; peer: string; outgoing: boolean; replaces: string; body: string }
  | { kind: 'retraction'; peer: string; outgoing: boolean; id: string }
  | { kind: 'reactions'; peer: string; reactor: string; id: string; emojis: string[] }
  | { kind: 'error'; peer: string; id: string };

export function bare(jid: string): string {
  const slash = jid.indexOf('/');
  return (slash === -1 ? jid : jid.slice(0, slash)).toLowerCase();
}

/** Removes the parts of a body that XEP-0428 marks as fallback for the given specs (offsets are code points). */
export function stripFallback(stanza: Element, body: string, forNamespaces: string[]): string {
  const points = [...body];
  const cut: [number, number][] = [];
  for (const fallback of stanza.getChildren('fallback', NS.FALLBACK)) {
    if (!forNamespaces.includes(fallback.attrs.for ?? '')) continue;
    const ranges = fallback.getChildren('body');
    if (ranges.length === 0) return '';
    for (const range of ranges) {
      const start = Number(range.attrs.start ?? 0);
      const end = Number(range.attrs.end ?? points.length);
      if (Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end <= points.length && start <= end) cut.push([start, end]);
    }
  }
  if (cut.length === 0) return body;
  return points.filter((_, i) => !cut.some(([s, e]) => i >= s && i < e)).join('');
}

function fileOf(stanza: Element, body: string): FileRef | undefined {
  const url = stanza.getChild('x', NS.OOB)?.getChildText('url');
  // XEP-0066 as HTTP upload senders use it: the body is the URL itself.
  if (!url || url !== body.trim()) return undefined;
  try {
    const parsed = new URL(url);
    // aesgcm: XEP-0454 files, which only ever arrive inside OMEMO (omemo/layer.ts adds the link after decrypting)
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:' && parsed.protocol !== 'aesgcm:') return undefined;
    return { url: parsed.href, name: decodeURIComponent(parsed.pathname.split('/').pop() ?? '') || undefined };
  } catch {
    return undefined;
  }
}

export interface ParseContext {
  /** our own bare JID */
  self: string;
  /** our server's stanza-id assigning entity (our bare JID for 1:1 archives) */
  archiveBy?: string;
  /** a timestamp from an enclosing <forwarded><delay/> (archive results, carbons) */
  stamp?: Date;
  now?: () => number;
}

/**
 * XEP-0280: the message inside a carbon, or the stanza itself when it is none.
 * null for a carbon we must ignore (§11: only our own account may send them) or an empty one.
 */
export function unwrapCarbon(stanza: Element, self: string): { message: Element; stamp?: Date } | null {
  const carbon = stanza.getChild('received', NS.CARBONS) ?? stanza.getChild('sent', NS.CARBONS);
  if (!carbon) return { message: stanza };
  if (bare(stanza.attrs.from ?? self) !== self) return null;
  const forwarded = carbon.getChild('forwarded', NS.FORWARD);
  const inner = forwarded?.getChild('message');
  if (!inner) return null;
  const delay = forwarded?.getChild('delay', NS.DELAY);
  return { message: inner, stamp: (delay && parseXmppDateTime(delay.attrs.stamp ?? '')) || undefined };
}

/** Unwraps XEP-0280 carbons and turns a message stanza into store events. Nothing here trusts markup: bodies are plain strings. */
export function parseMessage(stanza: Element, ctx: ParseContext): MessageEvent[] {
  const self = ctx.self;
  if (stanza.getChild('received', NS.CARBONS) || stanza.getChild('sent', NS.CARBONS)) {
    const unwrapped = unwrapCarbon(stanza, self);
    return unwrapped ? parseMessage(unwrapped.message, { ...ctx, stamp: unwrapped.stamp ?? ctx.stamp }) : [];
  }
  const from = bare(stanza.attrs.from ?? self);
  const to = bare(stanza.attrs.to ?? self);
  const outgoing = from === self;
  const peer = outgoing ? to : from;
  if (peer === self && !outgoing) return [];
  const type = stanza.attrs.type ?? 'normal';
  const id = stanza.attrs.id ?? '';
  if (type === 'groupchat') return [];
  if (type === 'error') return id ? [{ kind: 'error', peer, id }] : [];
  const events: MessageEvent[] = [];

  const receipt = stanza.getChild('received', NS.RECEIPTS);
  if (receipt?.attrs.id && !outgoing) events.push({ kind: 'receipt', peer, id: receipt.attrs.id });
  for (const marker of ['received', 'displayed'] as const) {
    const el = stanza.getChild(marker, NS.CHAT_MARKERS);
    if (el?.attrs.id && !outgoing) events.push({ kind: 'marker', peer, id: el.attrs.id, marker });
  }
  const retract = stanza.getChild('retract', NS.RETRACT);
  if (retract?.attrs.id) {
    events.push({ kind: 'retraction', peer, outgoing, id: retract.attrs.id });
    return events;
  }
  const reactions = stanza.getChild('reactions', NS.REACTIONS);
  if (reactions?.attrs.id) {
    const emojis = reactions.getChildren('reaction').map((r) => r.getText().trim()).filter((e) => e.length > 0 && e.length <= 32);
    events.push({ kind: 'reactions', peer, reactor: from, id: reactions.attrs.id, emojis: [...new Set(emojis)].slice(0, 20) });
    return events;
  }
  const rawBody = stanza.getChildText('body');
  const replace = stanza.getChild('replace', NS.CORRECTION);
  if (rawBody !== null && replace?.attrs.id) {
    events.push({ kind: 'correction', peer, outgoing, replaces: replace.attrs.id, body: stripFallback(stanza, rawBody, [NS.REPLY]) });
    return events;
  }
  if (rawBody === null || rawBody === '') {
    const states = ['composing', 'paused', 'active', 'inactive', 'gone'];
    const state = stanza.getChildElements().find((c) => c.getNS() === NS.CHATSTATES && states.includes(c.name));
    if (state && !outgoing) events.push({ kind: 'chatstate', peer, composing: state.name === 'composing' });
    return events;
  }
  const delay = stanza.getChild('delay', NS.DELAY);
  const stamp = ctx.stamp ?? (delay ? parseXmppDateTime(delay.attrs.stamp ?? '') : null);
  const stanzaId = stanza
    .getChildren('stanza-id', NS.SID)
    .find((s) => bare(s.attrs.by ?? '') === (ctx.archiveBy ?? self))?.attrs.id;
  const originId = stanza.getChild('origin-id', NS.SID)?.attrs.id;
  const reply = stanza.getChild('reply', NS.REPLY);
  const body = stripFallback(stanza, rawBody, [NS.REPLY]);
  const message: ChatMessage = {
    id: id || originId || stanzaId || crypto.randomUUID(),
    peer,
    outgoing,
    body,
    timestamp: stamp ? stamp.getTime() : (ctx.now ?? Date.now)(),
    state: outgoing ? 'sent' : 'received',
    markable: stanza.getChild('markable', NS.CHAT_MARKERS) !== undefined,
  };
  if (stanzaId) message.archiveId = stanzaId;
  const mark = readSecurityMark(stanza);
  if (mark) Object.assign(message, mark);
  if (reply?.attrs.id) {
    // The quoted text the sender put in the fallback, shown when we do not have the original.
    const quoted = rawBody.length > body.length && rawBody.endsWith(body) ? rawBody.slice(0, rawBody.length - body.length) : '';
    const text = quoted.split('\n').map((l) => l.replace(/^> ?/, '')).join('\n').trim().slice(0, 200);
    message.replyTo = text ? { id: reply.attrs.id, text } : { id: reply.attrs.id };
  }
  const file = fileOf(stanza, rawBody);
  if (file) message.file = file;
  events.push({ kind: 'message', message });
  return events;
}

// -- building outgoing stanzas ---------------------------------------------

const STORE = () => xml('store', { xmlns: NS.HINTS });

export function chatMessage(to: string, id: string, body: string, opts: { replyTo?: { id: string; to: string; quote: string }; file?: string } = {}): Element {
  let text = body;
  const extra: Element[] = [];
  if (opts.replyTo) {
    const quote = `${opts.replyTo.quote.split('\n').map((l) => `> ${l}`).join('\n')}\n`;
    text = quote + body;
    extra.push(xml('reply', { xmlns: NS.REPLY, to: opts.replyTo.to, id: opts.replyTo.id }));
    extra.push(xml('fallback', { xmlns: NS.FALLBACK, for: NS.REPLY }, xml('body', { start: '0', end: String([...quote].length) })));
  }
  if (opts.file) extra.push(xml('x', { xmlns: NS.OOB }, xml('url', {}, opts.file)));
  return xml(
    'message',
    { type: 'chat', to, id },
    xml('body', {}, text),
    xml('origin-id', { xmlns: NS.SID, id }),
    xml('request', { xmlns: NS.RECEIPTS }),
    xml('markable', { xmlns: NS.CHAT_MARKERS }),
    xml('active', { xmlns: NS.CHATSTATES }),
    ...extra,
  );
}

export function correctionMessage(to: string, id: string, replaces: string, body: string): Element {
  return xml(
    'message',
    { type: 'chat', to, id },
    xml('body', {}, body),
    xml('origin-id', { xmlns: NS.SID, id }),
    xml('replace', { xmlns: NS.CORRECTION, id: replaces }),
  );
}

export function retractionMessage(to: string, id: string, target: string): Element {
  return xml(
    'message',
    { type: 'chat', to, id },
    xml('retract', { xmlns: NS.RETRACT, id: target }),
    xml('fallback', { xmlns: NS.FALLBACK, for: NS.RETRACT }),
    xml('body', {}, 'This person attempted to retract a previous message, but it is unsupported by your client.'),
    STORE(),
  );
}

export function reactionsMessage(to: string, id: string, target: string, emojis: string[]): Element {
  return xml(
    'message',
    { type: 'chat', to, id },
    xml('reactions', { xmlns: NS.REACTIONS, id: target }, ...emojis.map((e) => xml('reaction', {}, e))),
    STORE(),
  );
}

export function receiptMessage(to: string, id: string): Element {
  return xml('message', { to, id: crypto.randomUUID() }, xml('received', { xmlns: NS.RECEIPTS, id }));
}

export function markerMessage(to: string, id: string): Element {
  return xml('message', { to, type: 'chat', id: crypto.randomUUID() }, xml('displayed', { xmlns: NS.CHAT_MARKERS, id }), STORE());
}

export function chatStateMessage(to: string, state: 'composing' | 'paused' | 'active'): Element {
  return xml('message', { to, type: 'chat', id: crypto.randomUUID() }, xml(state, { xmlns: NS.CHATSTATES }), xml('no-store', { xmlns: NS.HINTS }));
}
