import { describe, expect, it } from 'vitest';
import pino from 'pino';
import type { ServerCore } from './core.ts';
import { loadModules, ModuleGraphError, orderModules } from './loader.ts';
import type { ServerModule } from './module.ts';
import { ServiceRegistry } from './services.ts';

const module = (name: string, depends: string[] = [], extra: Partial<ServerModule> = {}): ServerModule => ({ name, implements: [], depends, setup: () => undefined, ...extra });
const names = (modules: readonly ServerModule[]) => modules.map((m) => m.name);
const core = () => ({ log: pino({ level: 'silent' }), services: new ServiceRegistry() }) as unknown as ServerCore;

describe('orderModules', () => {
  it('keeps the list order and sets dependencies up first', () => {
    const list = [module('disco'), module('bookmarks', ['pep']), module('roster'), module('pep', ['roster'])];
    expect(names(orderModules(list))).toEqual(['disco', 'roster', 'pep', 'bookmarks']);
  });

  it('refuses a dependency that is not in the list, naming both', () => {
    expect(() => orderModules([module('bookmarks', ['pep'])])).toThrow(new ModuleGraphError('module bookmarks depends on pep, which is not in the module list'));
  });

  it('refuses modules that depend on each other in a circle, naming the circle', () => {
    const list = [module('a', ['b']), module('b', ['c']), module('c', ['a'])];
    expect(() => orderModules(list)).toThrow(new ModuleGraphError('modules depend on each other in a circle: a → b → c → a'));
  });
});

describe('loadModules', () => {
  it('hands a service to the modules that depend on its provider, and to nobody else', async () => {
    const got: unknown[] = [];
    const adhoc = { register: () => undefined, run: () => Promise.resolve({ notes: [], form: null }) };
    const list = [
      module('adhoc', [], { provides: ['adhoc'], setup: (ctx) => ctx.provide('adhoc', adhoc) }),
      module('admin', ['adhoc'], { setup: (ctx) => void got.push(ctx.require('adhoc')) }),
    ];
    await loadModules(core(), list);
    expect(got).toEqual([adhoc]);
    const stranger = module('stranger', [], { setup: (ctx) => void ctx.require('adhoc') });
    await expect(loadModules(core(), [...list, stranger])).rejects.toThrow("module stranger requires 'adhoc' without declaring the module that provides it (adhoc) in depends");
  });

  it('refuses a service the module did not declare, and says when the provider gave none', async () => {
    const undeclared = module('adhoc', [], { setup: (ctx) => ctx.provide('adhoc', { register: () => undefined, run: () => Promise.resolve({ notes: [], form: null }) }) });
    await expect(loadModules(core(), [undeclared])).rejects.toThrow("module adhoc provides 'adhoc' without declaring it in provides");
    const off = [module('adhoc', [], { provides: ['adhoc'] }), module('admin', ['adhoc'], { setup: (ctx) => void ctx.require('adhoc') })];
    await expect(loadModules(core(), off)).rejects.toThrow("module admin requires 'adhoc', which module adhoc did not provide (is it turned off?)");
  });

  it('stops what earlier modules started when a later one fails to set up', async () => {
    const stopped: string[] = [];
    const list = [
      module('first', [], { setup: (ctx) => ctx.onStop(() => void stopped.push('first')) }),
      module('broken', [], { setup: () => Promise.reject(new Error('no such port')) }),
    ];
    await expect(loadModules(core(), list)).rejects.toThrow('no such port');
    expect(stopped).toEqual(['first']);
  });
});
