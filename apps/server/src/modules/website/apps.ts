import type { Language } from './language.ts';

/**
 * The apps the website recommends, per platform: the ones the project is
 * tested with (OMEMO, invitations, push). Links go to each project's own
 * page, which lists its stores; the website itself loads nothing from them.
 */
export interface RecommendedApp {
  name: string;
  url: string;
  about: Record<Language, string>;
}

export type Platform = 'android' | 'ios' | 'desktop';

export const RECOMMENDED_APPS: Record<Platform, RecommendedApp[]> = {
  android: [
    {
      name: 'Conversations',
      url: 'https://conversations.im/',
      about: { en: 'Simple and reliable, with encryption on by default. On F-Droid and Google Play.', de: 'Einfach und zuverlässig, Verschlüsselung von Anfang an. Bei F-Droid und Google Play.' },
    },
    {
      name: 'monocles chat',
      url: 'https://monocles.chat/',
      about: { en: 'Based on Conversations, with more features. On F-Droid and Google Play.', de: 'Baut auf Conversations auf, mit mehr Funktionen. Bei F-Droid und Google Play.' },
    },
  ],
  ios: [
    {
      name: 'Monal',
      url: 'https://monal-im.org/',
      about: { en: 'For iPhone, iPad and Mac. In the App Store.', de: 'Für iPhone, iPad und Mac. Im App Store.' },
    },
  ],
  desktop: [
    {
      name: 'Gajim',
      url: 'https://gajim.org/',
      about: { en: 'For Windows and Linux.', de: 'Für Windows und Linux.' },
    },
    {
      name: 'Dino',
      url: 'https://dino.im/',
      about: { en: 'For Linux.', de: 'Für Linux.' },
    },
    {
      name: 'Monal',
      url: 'https://monal-im.org/',
      about: { en: 'For macOS.', de: 'Für macOS.' },
    },
  ],
};
