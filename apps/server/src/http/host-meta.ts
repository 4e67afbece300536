import { escapeXML } from '@conexizan/protocol';

/** XEP-0156: how web clients find our WebSocket endpoint. */
const WEBSOCKET_REL = 'urn:xmpp:alt-connections:websocket';

export function hostMeta(websocketUrl: string): string {
  return `<?xml version='1.0' encoding='utf-8'?>\n<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>\n  <Link rel="${WEBSOCKET_REL}" href="${escapeXML(websocketUrl)}"/>\n</XRD>\n`;
}

export function hostMetaJson(websocketUrl: string): string {
  return `${JSON.stringify({ links: [{ rel: WEBSOCKET_REL, href: websocketUrl }] }, null, 2)}\n`;
}
