import { describe, expect, it } from 'vitest';
import { jid } from '@conexizan/protocol';
import type { AccountDeletingEvent } from './events.ts';
import { HookBus } from './hooks.ts';

const deleting: AccountDeletingEvent = { user: jid('alice', 'localhost') };

describe('HookBus', () => {
  it('runs handlers by band and stops at the first result', async () => {
    const bus = new HookBus();
    const calls: string[] = [];
    bus.on('account/deleting', () => void calls.push('deliver'), 'deliver');
    bus.on('account/deleting', () => {
      calls.push('policy');
      return undefined;
    }, 'policy');
    bus.on('account/deleting', async () => {
      calls.push('handle');
      return 'claimed';
    });
    expect(await bus.fire('account/deleting', deleting)).toBe('claimed');
    expect(calls).toEqual(['policy', 'handle']);
  });

  it('keeps the order of registration within a band', async () => {
    const bus = new HookBus();
    const calls: string[] = [];
    bus.on('account/deleting', () => void calls.push('carbons'), 'carbons');
    bus.on('account/deleting', () => void calls.push('first archive'), 'archive');
    bus.on('account/deleting', () => void calls.push('second archive'), 'archive');
    await bus.fireAll('account/deleting', deleting);
    expect(calls).toEqual(['first archive', 'second archive', 'carbons']);
  });

  it('fireAll runs everything and handlers can be removed', async () => {
    const bus = new HookBus();
    let count = 0;
    const remove = bus.on('server/started', () => {
      count++;
      return true;
    });
    bus.on('server/started', () => {
      count++;
      return true;
    });
    await bus.fireAll('server/started', {});
    expect(count).toBe(2);
    remove();
    await bus.fireAll('server/started', {});
    expect(count).toBe(3);
    expect(await bus.fire('server/stopping', {})).toBeUndefined();
  });

  it('lets a handler add and remove handlers while the hook runs; the change counts from the next run', async () => {
    const bus = new HookBus();
    const calls: string[] = [];
    const removeFirst = bus.on('server/started', () => {
      calls.push('first');
      removeSecond();
      bus.on('server/started', () => void calls.push('added'));
    });
    const removeSecond = bus.on('server/started', () => void calls.push('second'));
    await bus.fireAll('server/started', {});
    expect(calls).toEqual(['first', 'second']);
    removeFirst();
    await bus.fireAll('server/started', {});
    expect(calls).toEqual(['first', 'second', 'added']);
  });

  it('waits for a handler that answers later, and takes a falsy answer that is not undefined as a claim', async () => {
    const bus = new HookBus();
    const calls: string[] = [];
    bus.on('account/deleting', async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      calls.push('slow');
      return undefined;
    }, 'policy');
    bus.on('account/deleting', () => {
      calls.push('sync');
      return 0;
    });
    bus.on('account/deleting', () => void calls.push('never'), 'deliver');
    expect(await bus.fire('account/deleting', deleting)).toBe(0);
    expect(calls).toEqual(['slow', 'sync']);
  });

  it('types hook names and their events (these lines must fail the type check)', () => {
    const bus = new HookBus();
    // @ts-expect-error a misspelt hook
    bus.on('acount/deleting', () => undefined);
    // @ts-expect-error a handler that expects another event
    bus.on('account/deleting', ({ session }: { session: string }) => session);
    // @ts-expect-error a bare number instead of a band
    bus.on('account/deleting', () => undefined, -50);
    // @ts-expect-error the wrong event for the hook
    void bus.fire('account/deleting', { session: null });
    // The router's and the IQ dispatcher's names are typed by their patterns.
    bus.on('pre-message/remote', (event) => event.stanza);
    bus.on('iq-get/self/jabber:iq:roster:query', (request) => request.payload);
    // @ts-expect-error no such stanza kind
    bus.on('pre-messages/remote', () => undefined);
    // @ts-expect-error iq hooks need a type, a scope and an element
    bus.on('iq-get/jabber:iq:roster:query', () => undefined);
    expect(bus.has('account/deleting')).toBe(true);
  });
});

describe('HookBus.fireAll with a failing handler', () => {
  it('still runs the others, then reports the failure', async () => {
    const bus = new HookBus();
    const ran: string[] = [];
    bus.on('session/closed', () => {
      throw new Error('storage hiccup');
    }, 'observe');
    bus.on('session/closed', () => void ran.push('presence'));
    await expect(bus.fireAll('session/closed', { session: null as never })).rejects.toThrow('storage hiccup');
    expect(ran).toEqual(['presence']);
  });
});
