import { BANDS, type Band, type HookEvents, type HookName } from './events.ts';

/**
 * The hook bus every module plugs into. Handlers run by band (events.ts
 * says which band is for what), and within a band in the order they were
 * added; the first one that returns something other than `undefined` ends
 * the chain (Prosody's event model), so a module can claim a stanza and
 * stop the rest. Names and events are typed by HookEvents (events.ts).
 */
export type HookHandler<E> = (event: E) => unknown;

interface Registration {
  handler: HookHandler<never>;
  priority: number;
  order: number;
}

export class HookBus {
  readonly #hooks = new Map<string, Registration[]>();
  #order = 0;

  /** Returns a function that removes the handler again. */
  on<N extends HookName>(name: N, handler: HookHandler<HookEvents[N]>, band: Band = 'handle'): () => void {
    const registration: Registration = { handler: handler as HookHandler<never>, priority: BANDS[band], order: this.#order++ };
    // A new array each time (copy on write): fire() goes through the one it found, so a
    // handler may add or remove handlers while a hook runs, without fire() copying for every stanza.
    const list = [...(this.#hooks.get(name) ?? []), registration];
    list.sort((a, b) => b.priority - a.priority || a.order - b.order);
    this.#hooks.set(name, list);
    return () => {
      const current = this.#hooks.get(name);
      if (current?.includes(registration)) this.#hooks.set(name, current.filter((r) => r !== registration));
    };
  }

  has(name: HookName): boolean {
    return (this.#hooks.get(name)?.length ?? 0) > 0;
  }

  /**
   * Runs handlers until one returns a value; returns that value (or undefined).
   * A handler's result is awaited only when it is a promise: most handlers
   * decline at once, and every await costs a turn of the microtask queue.
   */
  async fire<N extends HookName>(name: N, event: HookEvents[N]): Promise<unknown> {
    const list = this.#hooks.get(name);
    if (!list) return undefined;
    for (const { handler } of list) {
      let result = (handler as HookHandler<HookEvents[N]>)(event);
      if (isPromise(result)) result = await result;
      if (result !== undefined) return result;
    }
    return undefined;
  }

  /**
   * Runs every handler regardless of results (notifications such as
   * "session closed"). One failing handler does not stop the others; the
   * first error is thrown once all have run.
   */
  async fireAll<N extends HookName>(name: N, event: HookEvents[N]): Promise<void> {
    const list = this.#hooks.get(name);
    if (!list) return;
    let failure: { error: unknown } | null = null;
    for (const { handler } of list) {
      try {
        const result = (handler as HookHandler<HookEvents[N]>)(event);
        if (isPromise(result)) await result;
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}

function isPromise(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
