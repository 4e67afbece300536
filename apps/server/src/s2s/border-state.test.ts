import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { borderStatePath, loadBorderState, normalizeDomain, saveBorderState } from './border-state.ts';

describe('border lists kept by admins', () => {
  const dirs: string[] = [];
  const dir = () => {
    const made = mkdtempSync(join(tmpdir(), 'border-state-'));
    dirs.push(made);
    return made;
  };
  afterEach(() => {
    for (const made of dirs.splice(0)) rmSync(made, { recursive: true, force: true });
  });

  it('is absent until an admin changes something, then survives a reload', () => {
    const dataDir = dir();
    expect(loadBorderState(dataDir)).toBeNull();
    saveBorderState(dataDir, { blocked_domains: ['evil.example'], allowed_domains: [] });
    expect(loadBorderState(dataDir)).toEqual({ blocked_domains: ['evil.example'], allowed_domains: [] });
  });

  it('refuses a damaged file instead of guessing', () => {
    const dataDir = dir();
    writeFileSync(borderStatePath(dataDir), JSON.stringify({ blocked_domains: ['user@evil.example'], allowed_domains: [] }));
    expect(() => loadBorderState(dataDir)).toThrow(/not a domain/);
    writeFileSync(borderStatePath(dataDir), JSON.stringify({ blocked_domains: 'evil.example' }));
    expect(() => loadBorderState(dataDir)).toThrow(/lists/);
  });

  it('takes domains in their prepared form and nothing else', () => {
    expect(normalizeDomain(' Evil.Example. ')).toBe('evil.example');
    expect(normalizeDomain('user@evil.example')).toBeNull();
    expect(normalizeDomain('evil.example/resource')).toBeNull();
    expect(normalizeDomain('nodots')).toBeNull();
  });
});
