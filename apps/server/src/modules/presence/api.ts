import type { SessionEvent } from '../../core/events.ts';

/**
 * The presence module's extension point: `presence/initial` (fireAll)
 * after a resource's initial presence went out (RFC 6121 §4.2), e.g. for
 * offline messages to follow it.
 */
declare module '../../core/events.ts' {
  interface HookEvents {
    'presence/initial': SessionEvent;
  }
}
