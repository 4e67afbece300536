import { describe, expect, it } from 'vitest';
import { orderModules } from '../core/loader.ts';
import { MODULES } from './index.ts';

describe('the module list', () => {
  it('is already in setup order, so it reads as the order hooks of one band run in', () => {
    const names = MODULES.map((module) => module.name);
    expect(orderModules(MODULES).map((module) => module.name)).toEqual(names);
  });
});
