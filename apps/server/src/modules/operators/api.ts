import type { Jid } from '@conexizan/protocol';

/**
 * Who runs the service: the accounts listed in `admins`, and the operator on
 * this machine, whose command line reaches the running server through the
 * control channel (http/operations.ts) as `localOperator`. Every operator
 * command asks isOperator, on every stage; notify() reaches the admins.
 */
export interface Operators {
  isOperator(requester: Jid): boolean;
  /**
   * The address the command line's requests run as: the domain with a
   * resource, which no client session and no other server can have.
   */
  readonly localOperator: Jid;
  /** How an operator is named in the audit log: the admin's bare JID, or "command line". */
  nameOf(requester: Jid): string;
  /** The bare JIDs in `admins` that are accounts of this server (notices go there). */
  readonly admins: readonly string[];
  /** Sends each local admin a notice (a normal message from the domain). */
  notify(subject: string, body: string): Promise<void>;
}

declare module '../../core/services.ts' {
  interface Services {
    operators: Operators;
  }
}
