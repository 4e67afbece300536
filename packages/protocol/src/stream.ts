// RFC 6120 §4: the stream header every TCP stream starts with, for client (c2s), server (s2s,
// with the XEP-0220 dialback prefix) and XEP-0114 component streams; and the check of the
// header a peer sent. RFC 7395 WebSocket framing (<open/>) and XEP-0206 BOSH bodies are
// elements, built where they are used.
import { escapeXML } from './xml.ts';
import { NS } from './namespaces.ts';

export interface StreamHeader {
  /** the default namespace of the stream's content: jabber:client, jabber:server or jabber:component:accept */
  xmlns: string;
  from?: string;
  to?: string;
  id?: string;
  /** xml:lang (RFC 6120 §4.7.4) */
  lang?: string;
  /** '1.0' for RFC 6120 streams (the default); null for XEP-0114 component streams, which carry none */
  version?: '1.0' | null;
  /** more prefixes to declare, e.g. { db: NS.DIALBACK } so a dialback element can be written as <db:result/> */
  prefixes?: Record<string, string>;
}

/** The closing tag of a stream. */
export const STREAM_END = '</stream:stream>';

/**
 * The opening of a stream, XML declaration included. The header is never
 * closed (the stream is one long document), so it is written as text; every
 * attribute value is escaped.
 */
export function streamHeader(header: StreamHeader): string {
  const attrs: [string, string | undefined][] = [
    ['xmlns', header.xmlns],
    ['xmlns:stream', NS.STREAM],
    ...Object.entries(header.prefixes ?? {}).map(([prefix, ns]): [string, string] => [`xmlns:${prefix}`, ns]),
    ['from', header.from],
    ['to', header.to],
    ['id', header.id],
    ['version', header.version === null ? undefined : (header.version ?? '1.0')],
    ['xml:lang', header.lang],
  ];
  const written = attrs
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => ` ${name}='${escapeXML(value)}'`)
    .join('');
  return `<?xml version='1.0'?><stream:stream${written}>`;
}

/** The server-to-server header (RFC 6120 §4.7), declaring dialback (XEP-0220 §2.1). */
export function serverStreamHeader(attrs: { from?: string; to?: string; id?: string }): string {
  return streamHeader({ xmlns: NS.SERVER, prefixes: { db: NS.DIALBACK }, ...attrs });
}

/** What is wrong with a peer's stream header, as the stream error to close with (RFC 6120 §4.9.3.10); null when it is right. */
export interface StreamHeaderProblem {
  condition: 'invalid-namespace';
  text: string;
}

/**
 * Checks the root element a peer opened: `stream:stream` in the streams
 * namespace, with `contentNamespace` as its default namespace. The header's
 * other attributes (to, from, version) are the caller's to judge.
 */
export function streamHeaderProblem(name: string, attrs: Record<string, string | undefined>, contentNamespace: string): StreamHeaderProblem | null {
  if (name !== 'stream:stream' || attrs['xmlns:stream'] !== NS.STREAM) return { condition: 'invalid-namespace', text: `expected a stream in ${NS.STREAM}` };
  if (attrs.xmlns !== contentNamespace) return { condition: 'invalid-namespace', text: `this stream's content must be in ${contentNamespace}` };
  return null;
}
