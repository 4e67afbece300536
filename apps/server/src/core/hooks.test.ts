import { describe, expect, it } from 'vitest';
import { HookBus } from './hooks.ts';

describe('HookBus', () => {
  it('runs handlers by descending priority and stops at the first result', async () => {
    const bus = new HookBus();
    const calls: string[] = [];
    bus.on('e', () => void calls.push('low'), -1);
    bus.on('e', () => {
      calls.push('high');
      return undefined;
    }, 10);
    bus.on('e', async () => {
      calls.push('middle');
      return 'claimed';
    });
    expect(await bus.fire('e', {})).toBe('claimed');
    expect(calls).toEqual(['high', 'middle']);
  });

  it('fireAll runs everything and handlers can be removed', async () => {
    const bus = new HookBus();
    let count = 0;
    const remove = bus.on('e', () => {
      count++;
      return true;
    });
    bus.on('e', () => {
      count++;
      return true;
    });
    await bus.fireAll('e', {});
    expect(count).toBe(2);
    remove();
    await bus.fireAll('e', {});
    expect(count).toBe(3);
    expect(await bus.fire('none', {})).toBeUndefined();
  });
});

describe('HookBus.fireAll with a failing handler', () => {
  it('still runs the others, then reports the failure', async () => {
    const bus = new HookBus();
    const ran: string[] = [];
    bus.on('closed', () => {
      throw new Error('storage hiccup');
    }, 10);
    bus.on('closed', () => void ran.push('presence'));
    await expect(bus.fireAll('closed', {})).rejects.toThrow('storage hiccup');
    expect(ran).toEqual(['presence']);
  });
});
