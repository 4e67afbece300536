import type { ChatMessage } from '../model.ts';

/**
 * Encrypted messages written before this device was announced can never be
 * read here: nobody could encrypt for a device they did not know. Rather
 * than an error on each, a chat says once how many there are; these are
 * the messages to leave out of the log for that.
 */
export function predatingMessages<M extends ChatMessage>(messages: readonly M[], deviceSince: number | undefined): Set<M> {
  if (deviceSince === undefined) return new Set();
  return new Set(messages.filter((m) => (m.undecryptable === 'not-for-this-device' || m.undecryptable === 'no-session') && m.timestamp < deviceSince));
}
