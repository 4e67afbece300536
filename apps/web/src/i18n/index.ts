import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import de from './de.json';
import en from './en.json';

export const LANGUAGES = ['en', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];
const STORAGE_KEY = 'conexizan.lang';

/**
 * The language chosen on the website (?lang=, kept as this browser's
 * choice), else the saved choice, else the browser's preferred language if
 * we have it, else English.
 */
export function initialLanguage(): Language {
  const linked = new URLSearchParams(globalThis.location?.search ?? '').get('lang');
  if (linked === 'en' || linked === 'de') {
    globalThis.localStorage?.setItem(STORAGE_KEY, linked);
    return linked;
  }
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (saved === 'en' || saved === 'de') return saved;
  for (const tag of globalThis.navigator?.languages ?? [globalThis.navigator?.language ?? 'en']) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'de' || base === 'en') return base;
  }
  return 'en';
}

export function setLanguage(lang: Language): void {
  globalThis.localStorage?.setItem(STORAGE_KEY, lang);
  void i18next.changeLanguage(lang);
}

export const i18n = i18next;

void i18next.use(initReactI18next).init({
  resources: { en: { translation: en }, de: { translation: de } },
  lng: initialLanguage(),
  fallbackLng: 'en',
  // React escapes what it renders; i18next must not escape a second time.
  interpolation: { escapeValue: false },
  returnNull: false,
});

i18next.on('languageChanged', (lang) => {
  if (typeof document !== 'undefined') document.documentElement.lang = lang;
});
if (typeof document !== 'undefined') document.documentElement.lang = i18next.language;
