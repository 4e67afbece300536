import type { Jid } from '@conexizan/protocol';

/**
 * The audit log of operator actions: who (an admin's bare JID, or "command
 * line"), what, to what, when. Operator commands record what they changed,
 * after they changed it. Never an address, a password or a message.
 */
export interface Audit {
  /** `actor` 'server': the server acted by itself (a suspended account deleted after its time). */
  record(actor: Jid | 'server', action: string, target: string, detail?: string): Promise<void>;
}

declare module '../../core/services.ts' {
  interface Services {
    audit: Audit;
  }
}
