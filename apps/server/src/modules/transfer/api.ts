import type { Jid } from '@conexizan/protocol';

/**
 * Moving accounts (XEP-0227 portable export, XEP-0283 moved): an account as
 * one XEP-0227 document, and such a document imported as a new account.
 * The command line reaches this through the control channel (`conexizan
 * user export|import`), users through the export command and its link.
 */
export interface AccountTransfer {
  /** the largest document importAccount reads */
  readonly maxImportBytes: number;
  /** The account as a XEP-0227 document (one host, one user). Throws item-not-found for an unknown account. */
  exportAccount(username: string): Promise<string>;
  /**
   * Imports a XEP-0227 document holding one account. A file that is not
   * one (malformed XML, a DTD, too large, several accounts, another
   * account than `expectFrom`, data that belongs to someone else) is
   * refused with a StanzaError saying why, before anything is written.
   */
  importAccount(document: string, options: ImportOptions): Promise<ImportSummary>;
}

export interface ImportOptions {
  /** the username here (default: the one in the file) */
  as?: string;
  /** the bare JID the file must be an export of */
  expectFrom?: string;
  /** send the contacts a XEP-0283 moved notification (a subscription request from the new address) */
  announceMove: boolean;
  /** who imports, for the audit log */
  actor: Jid | null;
}

export interface ImportSummary {
  /** the new account's bare JID */
  account: string;
  /** the bare JID it was exported from */
  from: string;
  contacts: number;
  pepNodes: number;
  privateItems: number;
  vcard: boolean;
  archived: number;
  offline: number;
  /** whether the file carried the account's SCRAM credentials (the old password works) */
  password: boolean;
  /** contacts sent a moved notification */
  notified: number;
}

declare module '../../core/services.ts' {
  interface Services {
    transfer: AccountTransfer;
  }
}
