import {
  base64Decode, base64Encode, parseScramMechanism, ScramError, ScramServerSession, scramMechanismName, utf8Decode,
  type ScramHash,
} from '@conexizan/crypto';
import { NS, saslFailure, tryParseJid, xml, type Element, type SaslFailureCondition } from '@conexizan/protocol';
import type { AccountService } from '../accounts/account-service.ts';
import type { ClientConnection } from './connection.ts';

/**
 * SASL (RFC 6120 §6) for one stream: SCRAM-SHA-1/-256 with their -PLUS
 * variants (channel binding, RFC 5802 §6 / XEP-0440) and PLAIN inside TLS
 * only. The account layer only ever hands out SCRAM keys.
 */
export type SaslStep =
  | { kind: 'challenge'; element: Element }
  | { kind: 'success'; element: Element; username: string }
  /** `passwordChecked`: a password was tested (a guess); false for refusals that tested none */
  | { kind: 'failure'; element: Element; username: string | null; passwordChecked: boolean };

/**
 * Asked once the username is known, before any password is checked: null
 * to go ahead, or the reason to refuse (the login throttle).
 */
export type LoginGate = (username: string) => Promise<string | null>;

interface Mechanism {
  step(data: Uint8Array, gate: LoginGate): Promise<SaslStep>;
}

const MAX_SASL_BYTES = 8192;

export class SaslNegotiation {
  readonly #accounts: AccountService;
  readonly #connection: ClientConnection;
  readonly #prepareUsername: (name: string) => string;
  readonly #domain: string;
  #mechanism: Mechanism | null = null;

  constructor(accounts: AccountService, connection: ClientConnection, domain: string) {
    this.#accounts = accounts;
    this.#connection = connection;
    this.#domain = domain;
    this.#prepareUsername = (name) => accounts.prepareUsername(name);
  }

  offered(): string[] {
    const names: string[] = [];
    if (this.#connection.channelBindingTypes().length > 0) {
      names.push(scramMechanismName('SHA-256', true), scramMechanismName('SHA-1', true));
    }
    names.push(scramMechanismName('SHA-256', false), scramMechanismName('SHA-1', false));
    if (this.#connection.secure) names.push('PLAIN');
    return names;
  }

  /** <mechanisms/> plus the XEP-0440 list of channel-binding types. */
  features(): Element[] {
    const mechanisms = xml('mechanisms', { xmlns: NS.SASL }, ...this.offered().map((name) => xml('mechanism', {}, name)));
    const types = this.#connection.channelBindingTypes();
    if (types.length === 0) return [mechanisms];
    return [mechanisms, xml('sasl-channel-binding', { xmlns: NS.CHANNEL_BINDING }, ...types.map((type) => xml('channel-binding', { type })))];
  }

  get inProgress(): boolean {
    return this.#mechanism !== null;
  }

  async handle(element: Element, gate: LoginGate): Promise<SaslStep> {
    if (element.name === 'abort') {
      this.#mechanism = null;
      return failure('aborted', null);
    }
    const text = element.getText().trim();
    if (text.length > MAX_SASL_BYTES) return this.#fail('malformed-request', null);
    let data: Uint8Array;
    try {
      data = text === '=' || text === '' ? new Uint8Array() : base64Decode(text);
    } catch {
      return this.#fail('incorrect-encoding', null);
    }
    if (element.name === 'auth') {
      if (this.#mechanism) return this.#fail('malformed-request', null);
      const name = element.attrs.mechanism as string | undefined;
      if (!name || !this.offered().includes(name)) return this.#fail('invalid-mechanism', null);
      this.#mechanism = name === 'PLAIN' ? this.#plain() : this.#scram(name);
      // An <auth/> without initial response: SCRAM needs the client-first message first.
      if (text === '') return { kind: 'challenge', element: xml('challenge', { xmlns: NS.SASL }) };
    } else if (element.name !== 'response' || !this.#mechanism) {
      return this.#fail('malformed-request', null);
    }
    const step = await this.#mechanism.step(data, gate);
    if (step.kind !== 'challenge') this.#mechanism = null;
    return step;
  }

  #fail(condition: SaslFailureCondition, username: string | null): SaslStep {
    this.#mechanism = null;
    return failure(condition, username);
  }

  #plain(): Mechanism {
    return {
      step: async (data, gate) => {
        const parts = utf8Decode(data).split('\u0000');
        if (parts.length !== 3) return failure('malformed-request', null);
        const [authzid, authcid, password] = parts as [string, string, string];
        let username: string;
        try {
          username = this.#prepareUsername(authcid);
        } catch {
          return failure('not-authorized', null);
        }
        if (authzid && !this.#authzidMatches(authzid, username)) return failure('invalid-authzid', username);
        const refusal = await gate(username);
        if (refusal) return failure('temporary-auth-failure', username, refusal);
        if (!(await this.#accounts.verifyPassword(username, password))) return failure('not-authorized', username, undefined, true);
        return success(username, null);
      },
    };
  }

  #scram(name: string): Mechanism {
    const parsed = parseScramMechanism(name)!;
    let session: ScramServerSession | null = null;
    let username: string | null = null;
    let refusal: string | null = null;
    return {
      step: async (data, gate) => {
        try {
          if (!session) {
            session = new ScramServerSession({
              hash: parsed.hash as ScramHash,
              plus: parsed.plus,
              channelBindingSupported: this.#connection.channelBindingTypes().length > 0,
              getChannelBinding: (type) => this.#connection.channelBinding(type),
              fakeIterations: this.#accounts.scramIterations,
              fakeSaltSecret: this.#accounts.fakeSaltSecret,
              // Unknown "ALICE" and "alice" must get one salt, as a real account would.
              fakeSaltName: this.#prepareUsername,
              lookup: async (name) => {
                let prepared: string;
                try {
                  prepared = this.#prepareUsername(name);
                } catch {
                  return null;
                }
                username = prepared;
                refusal = await gate(prepared);
                if (refusal) throw new Error('refused by the login throttle');
                return this.#accounts.scramCredentials(prepared, parsed.hash as ScramHash);
              },
            });
            const serverFirst = await session.start(data);
            return { kind: 'challenge', element: xml('challenge', { xmlns: NS.SASL }, base64Encode(serverFirst)) };
          }
          const result = await session.finish(data);
          if (result.authzid && !this.#authzidMatches(result.authzid, username ?? '')) return failure('invalid-authzid', username, undefined, true);
          return success(username!, result.serverFinal);
        } catch (error) {
          if (refusal) return failure('temporary-auth-failure', username, refusal);
          if (error instanceof ScramError) return failure(error.condition as SaslFailureCondition, username, undefined, session?.proofChecked ?? false);
          throw error;
        }
      },
    };
  }

  /** An authzid may only name the authenticating account itself (no proxy authorization). */
  #authzidMatches(authzid: string, username: string): boolean {
    const jid = tryParseJid(authzid);
    return jid !== null && !jid.resource && jid.domain === this.#domain && jid.local === username;
  }
}

function success(username: string, additionalData: Uint8Array | null): SaslStep {
  return { kind: 'success', username, element: xml('success', { xmlns: NS.SASL }, additionalData ? base64Encode(additionalData) : undefined) };
}

function failure(condition: SaslFailureCondition, username: string | null, text?: string, passwordChecked = false): SaslStep {
  return { kind: 'failure', username, passwordChecked, element: saslFailure(condition, text) };
}

