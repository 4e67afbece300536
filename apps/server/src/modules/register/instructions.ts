import type { Config } from '../../config/schema.ts';
import { publicHttpBase } from '../../core/public-url.ts';

/**
 * The registration instructions (XEP-0077 <instructions/>) in the client's
 * language: the stanza's xml:lang, else the stream's (RFC 6120 §8.1.5).
 * Apps show this text as it is, so it names the rules a new account accepts.
 */
export function registrationInstructions(config: Config, domain: string, lang: string, byInvitationOnly: boolean): string {
  const german = lang.toLowerCase().split('-')[0] === 'de';
  if (byInvitationOnly) {
    return german ? 'Dieser Server nimmt neue Konten nur mit einer Einladung an.' : 'This server registers new accounts by invitation only.';
  }
  const min = config.accounts.min_password_length;
  const site = config.website.enabled ? publicHttpBase(config.website.public_url, config, domain, 'website.public_url') : null;
  if (german) {
    const rules = site ? ` Mit der Registrierung erkennst du die Regeln dieses Dienstes an: ${site}/?lang=de#rules` : '';
    return `Wähle einen Benutzernamen und ein Passwort mit mindestens ${min} Zeichen. Mehr braucht es nicht.${rules}`;
  }
  const rules = site ? ` By registering you accept the rules of this service: ${site}/?lang=en#rules` : '';
  return `Choose a username and a password of at least ${min} characters. Nothing else is needed.${rules}`;
}
