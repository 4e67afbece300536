import type { Page } from 'playwright-core';

/**
 * Every human-readable text the server sent a page over its WebSockets:
 * the <text/> of stanza, stream and SASL errors and XEP-0077's
 * <instructions/>. The server writes these in English; a test checks that
 * none of them reaches the screen of someone using the app in German.
 */
export class ServerTexts {
  readonly #texts = new Set<string>();

  constructor(page: Page) {
    page.on('websocket', (socket) => {
      socket.on('framereceived', ({ payload }) => {
        const xml = typeof payload === 'string' ? payload : payload.toString('utf8');
        for (const match of xml.matchAll(/<(text|instructions)\b[^>]*>([^<]+)<\/\1>/g)) this.#texts.add(unescapeXml(match[2]!).trim());
      });
    });
  }

  /** What arrived so far. */
  get all(): string[] {
    return [...this.#texts];
  }

  /** Those of them that `page` shows (its visible text and its form controls' accessible names). */
  async shownOn(page: Page): Promise<string[]> {
    const seen = await page.evaluate(() => document.body.innerText);
    return this.all.filter((text) => seen.includes(text));
  }
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (_, name: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[name]!);
}
