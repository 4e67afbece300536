import { ScramClientSession, type ScramHash } from '@conexizan/crypto/scram';

/**
 * SCRAM for @xmpp/client in the browser. The library leaves SCRAM out of its
 * browser build (its implementation needs Node's crypto), and our server
 * offers PLAIN only over TLS, so we plug in the project's own WebCrypto SCRAM
 * from @conexizan/crypto through the saslmechanisms interface the library uses
 * (response/challenge, awaited; strings are binary strings for btoa/atob).
 */
interface Credentials {
  username: string;
  password: string;
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

    async response(cred: Credentials): Promise<string> {
      if (!this.#session) {
        this.#session = new ScramClientSession({ hash, username: cred.username, password: cred.password });
        return toBinary(this.#session.first());
      }
      const reply = this.#pending ?? '';
      this.#pending = null;
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
