import { i18n } from '../../i18n/index.ts';
import de from './de.json';
import en from './en.json';

// The group chat texts live beside their views (so the group chat work does not
// collide with edits to the app's main translation files); merged into the same namespace.
i18n.addResourceBundle('en', 'translation', en, true, false);
i18n.addResourceBundle('de', 'translation', de, true, false);
