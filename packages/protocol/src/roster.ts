/**
 * RFC 6121 §2.1.2.5: the subscription state of a roster item, as the
 * 'subscription' attribute carries it, and what each state lets through.
 * The server's presence rules and the web's roster read the same two
 * questions.
 */
export type Subscription = 'none' | 'to' | 'from' | 'both';

/** The user sees the contact's presence (the user is subscribed to the contact). */
export const hasTo = (subscription: Subscription): boolean => subscription === 'to' || subscription === 'both';

/** The contact sees the user's presence (the contact is subscribed to the user). */
export const hasFrom = (subscription: Subscription): boolean => subscription === 'from' || subscription === 'both';
