/**
 * libsignal's curve25519 is an Emscripten build that, when loaded in Node,
 * adds process-wide 'uncaughtException' (rethrow) and 'unhandledRejection'
 * (abort) listeners, meant for command-line programs. A host process (a test
 * runner, a bot, the server) must keep its own behaviour, so index.ts imports
 * this module before anything that loads libsignal and then removes what was
 * added in between. In browsers there is no `process` and this does nothing.
 */
type Listener = (...args: unknown[]) => void;
/** The part of Node's `process` used here, typed structurally so browser builds need no Node types. */
interface ProcessEvents {
  listeners(event: string): Listener[];
  removeListener(event: string, listener: Listener): unknown;
}
const events = ['uncaughtException', 'unhandledRejection'] as const;
const host = (globalThis as { process?: Partial<ProcessEvents> }).process;
const before = new Map(events.map((event) => [event, new Set<Listener>(host?.listeners?.(event))]));

export function dropLibraryProcessListeners(): void {
  if (!host?.listeners || !host.removeListener) return;
  for (const event of events) {
    for (const listener of host.listeners(event)) {
      if (!before.get(event)!.has(listener)) host.removeListener(event, listener);
    }
  }
}
