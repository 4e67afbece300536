import { escapeXML } from '@conexizan/protocol';

/** XEP-0156: how web clients find our WebSocket endpoint (and any other that modules add, such as BOSH). */

export interface Link {
  rel: string;
  href: string;
}

export function hostMeta(links: Link[]): string {
  const lines = links.map(({ rel, href }) => `  <Link rel="${escapeXML(rel)}" href="${escapeXML(href)}"/>\n`).join('');
  return `<?xml version='1.0' encoding='utf-8'?>\n<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>\n${lines}</XRD>\n`;
}

export function hostMetaJson(links: Link[]): string {
  return `${JSON.stringify({ links }, null, 2)}\n`;
}
