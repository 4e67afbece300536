/**
 * OpenPGP for XMPP (XEP-0373, XEP-0374) on OpenPGP.js. A module of its own
 * (OpenPGP.js is large): the web client loads it only when the user has an
 * OpenPGP key or a chat uses it.
 */
export * from './errors.ts';
export * from './keys.ts';
export * from './message.ts';
export * from './backup.ts';
export * from './xml.ts';
