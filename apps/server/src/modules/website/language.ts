import type { IncomingMessage } from 'node:http';
import Negotiator from 'negotiator';

/** The languages of the website and the web client. */
export const LANGUAGES = ['en', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/**
 * ?lang=de or ?lang=en (the switch on every page: a link, so it works
 * without JavaScript and without a cookie), else the browser's
 * Accept-Language, else English.
 */
export function pageLanguage(req: IncomingMessage, url: URL): { lang: Language; chosen: boolean } {
  const asked = url.searchParams.get('lang');
  if (isLanguage(asked)) return { lang: asked, chosen: true };
  const best = new Negotiator(req).language([...LANGUAGES]);
  return { lang: isLanguage(best) ? best : 'en', chosen: false };
}
