import { describe, expect, it } from 'vitest';
import appEn from '../../i18n/en.json';
import de from './de.json';
import en from './en.json';

function keys(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

function placeholders(text: unknown): string[] {
  return typeof text === 'string' ? [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!).sort() : [];
}

describe('group chat translations', () => {
  it('German has every English text, with the same placeholders', () => {
    expect(keys(de).sort()).toEqual(keys(en).sort());
    const lookup = (obj: unknown, path: string) => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], obj);
    for (const key of keys(en)) expect([key, placeholders(lookup(de, key))]).toEqual([key, placeholders(lookup(en, key))]);
  });

  it('adds its own section without overriding any text of the app', () => {
    expect(Object.keys(appEn)).not.toContain('rooms');
  });
});
