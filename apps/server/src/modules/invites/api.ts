/**
 * What the rest of the server may do with invitations (XEP-0445 tokens,
 * XEP-0401 links): make one (the admin command, `conexizan invite create`),
 * count and purge them (`conexizan invite list`), check one (the website's
 * invitation page).
 */
export interface NewInvite {
  /** given once; the server keeps only its hash */
  token: string;
  /** xmpp:DOMAIN?register;preauth=TOKEN */
  uri: string;
  expiresAt: Date;
}

export interface Invites {
  create(validForMs: number, now?: Date): Promise<NewInvite>;
  /** How many invitations can still be used. */
  count(now?: Date): Promise<number>;
  /** Deletes the expired ones (kept one authentication timeout longer, see tokens.ts); returns how many. */
  purgeExpired(now?: Date): Promise<number>;
  /** When the invitation with this token expires; null if it is unknown, used or expired (the website's invitation page). */
  expiresAt(token: string, now?: Date): Promise<Date | null>;
}

declare module '../../core/services.ts' {
  interface Services {
    invites: Invites;
  }
}
