import QRCode from 'qrcode';
import { escapeHtml, trusted, type Html } from './html.ts';

/**
 * QR codes as inline SVG, made on the server with the qrcode package, so a
 * page shows them without JavaScript and without asking anyone else's
 * server. The few codes the pages need (the registration link, one per open
 * invitation page) are remembered for a while.
 */
const MAX_CACHED = 200;
const cache = new Map<string, string>();

export async function qrSvg(text: string, label: string): Promise<Html> {
  let svg = cache.get(text);
  if (!svg) {
    svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, color: { dark: '#000000', light: '#ffffff' } });
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(text, svg);
  }
  // An image with a name for screen readers; the link beside it carries the same address as text.
  return trusted(svg.replace('<svg ', `<svg class="qr" role="img" aria-label="${escapeHtml(label)}" `));
}
