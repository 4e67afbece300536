import { ScramClientSession, type ScramHash, type ScramSaltedPassword } from '@conexizan/crypto/scram';

/**
 * SCRAM for @xmpp/client in the browser. The library leaves SCRAM out of its
 * browser build (its implementation needs Node's crypto), and our server
 * offers PLAIN only over TLS, so we plug in the project's own WebCrypto SCRAM
 * from @conexizan/crypto through the saslmechanisms interface the library uses
 * (response/challenge, awaited; strings are binary strings for btoa/atob).
 */
/**
 * What the library hands to the mechanism: the password while the user has
 * just typed it, or, for "stay logged in", only a cached SaltedPassword, so
 * that the device never stores the password itself. Every exchange reports
 * the SaltedPassword it used, to be cached.
 */
export interface ScramCredentials {
  username: string;
  password?: string;
  saltedPassword?: ScramSaltedPassword | null;
  onSaltedPassword?: (salted: ScramSaltedPassword) => void;
}

function toBinary(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

function fromBinary(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

export function scramMechanism(hash: ScramHash) {
  return class ScramMechanism {
    name = `SCRAM-${hash}`;
    clientFirst = true;
    #session: ScramClientSession | null = null;
    #pending: string | null = null;

    async response(cred: ScramCredentials): Promise<string> {
      if (!this.#session) {
        this.#session = new ScramClientSession({
          hash,
          username: cred.username,
          // The library fills in password: null when none was given.
          ...(typeof cred.password === 'string' ? { password: cred.password } : {}),
          saltedPassword: cred.saltedPassword ?? null,
        });
        return toBinary(this.#session.first());
      }
      const reply = this.#pending ?? '';
      this.#pending = null;
      const salted = this.#session.saltedPassword;
      if (salted) cred.onSaltedPassword?.(salted);
      return reply;
    }

    async challenge(chal: string): Promise<this> {
      if (!this.#session) throw new Error('SCRAM challenge before the first message');
      this.#pending = toBinary(await this.#session.final(fromBinary(chal)));
      return this;
    }
  };
}

export const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-1'] as const;
