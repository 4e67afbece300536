import { buildDataForm } from '@conexizan/protocol/dataforms';
import { NS } from '@conexizan/protocol/namespaces';
import { xml, type Element } from '@conexizan/protocol/xml';
import type { XmppClient } from '@xmpp/client';
import { Connection, type LoginOptions } from './client.ts';

/** Why a registration failed, in terms the UI can explain. */
export type RegisterFailure = 'conflict' | 'not-acceptable' | 'closed' | 'rate-limited' | 'not-allowed' | 'invitation-invalid' | 'unsupported' | 'other';

/** XEP-0379's element, which XEP-0445 uses to present an invitation's token before registering. */
const NS_PARS = 'urn:xmpp:pars:0';

export class RegisterError extends Error {
  override name = 'RegisterError';
  constructor(readonly reason: RegisterFailure, readonly serverText: string | null) {
    super(serverText ?? reason);
  }
}

export function registerFailure(condition: string | undefined, text: string | null): RegisterError {
  switch (condition) {
    case 'conflict':
      return new RegisterError('conflict', text);
    case 'not-acceptable':
    case 'bad-request':
    case 'jid-malformed':
      return new RegisterError('not-acceptable', text);
    case 'service-unavailable':
    case 'feature-not-implemented':
      return new RegisterError('closed', text);
    case 'policy-violation':
    case 'resource-constraint':
      return new RegisterError('rate-limited', text);
    case 'not-allowed':
    case 'forbidden':
      return new RegisterError('not-allowed', text);
    default:
      return new RegisterError('other', text);
  }
}

/** XEP-0077 form fields a server asks for, and its instructions. */
export interface RegistrationForm {
  instructions: string | null;
  fields: string[];
}

async function registerIq(xmpp: XmppClient, type: 'get' | 'set', ...children: Element[]): Promise<Element> {
  try {
    return await xmpp.iqCaller.request(xml('iq', { type, id: `reg-${crypto.randomUUID()}` }, xml('query', { xmlns: NS.REGISTER }, ...children)), 20_000);
  } catch (error) {
    const { condition, text } = error as { condition?: string; text?: string };
    if (condition) throw registerFailure(condition, text || null);
    throw error;
  }
}

function parseForm(result: Element): RegistrationForm {
  const query = result.getChild('query', NS.REGISTER);
  if (!query) return { instructions: null, fields: [] };
  return {
    instructions: query.getChildText('instructions'),
    fields: query.getChildElements().map((c) => c.name).filter((n) => n !== 'instructions'),
  };
}

/** Aborts a pre-auth stream once we have what we came for. */
class Done extends Error {}

/** Opens a short stream to read the server's registration instructions (its rules). */
export async function fetchRegistrationForm(service: string, domain: string): Promise<RegistrationForm> {
  let form: RegistrationForm | null = null;
  const connection = new Connection();
  try {
    await connection.login({
      service,
      domain,
      username: 'x',
      password: 'x',
      beforeAuth: async (xmpp) => {
        form = parseForm(await registerIq(xmpp, 'get'));
        throw new Done();
      },
    });
  } catch (error) {
    if (!(error instanceof Done) && !form) throw error;
  } finally {
    await connection.logout();
  }
  return form ?? { instructions: null, fields: [] };
}

/**
 * Registers (XEP-0077 §3.1, before authentication) and logs in on the same
 * stream: the `beforeAuth` step of a login. With an invitation (the token of
 * an XEP-0401 link) the token is presented first (XEP-0445). Rejects with
 * RegisterError.
 */
export function registeringLogin(options: Omit<LoginOptions, 'beforeAuth'>, invitation?: string): LoginOptions {
  return {
    ...options,
    beforeAuth: async (xmpp) => {
      if (invitation) {
        try {
          await xmpp.iqCaller.request(xml('iq', { type: 'set', id: `pars-${crypto.randomUUID()}` }, xml('preauth', { xmlns: NS_PARS, token: invitation })), 20_000);
        } catch (error) {
          // XEP-0445 §4: unknown, used and expired tokens are all item-not-found.
          const { condition } = error as { condition?: string };
          if (condition === 'item-not-found' || condition === 'bad-request') throw new RegisterError('invitation-invalid', null);
          if (condition) throw registerFailure(condition, null);
          throw error;
        }
      }
      await registerIq(xmpp, 'get');
      await registerIq(xmpp, 'set', xml('username', {}, options.username), xml('password', {}, options.password));
    },
  };
}

/** Why a password change failed, in terms the UI can explain. */
export type PasswordChangeFailure = 'wrong-current' | 'rate-limited' | 'not-acceptable' | 'other';

export class PasswordChangeError extends Error {
  override name = 'PasswordChangeError';
  constructor(readonly reason: PasswordChangeFailure) {
    super(reason);
  }
}

/**
 * XEP-0077 §3.3: change the password of the logged-in account, proving the
 * current one with the change-password form (Example 19), which servers may
 * require and Conexizan does of browser sessions. Rejects with
 * PasswordChangeError.
 */
export async function changePassword(connection: Connection, username: string, currentPassword: string, password: string): Promise<void> {
  const form = buildDataForm({
    type: 'submit',
    fields: [
      { var: 'FORM_TYPE', type: 'hidden', values: ['jabber:iq:register:changepassword'] },
      { var: 'username', values: [username] },
      { var: 'old_password', values: [currentPassword] },
      { var: 'password', values: [password] },
    ],
  });
  try {
    await connection.iq('set', xml('query', { xmlns: NS.REGISTER }, form));
  } catch (error) {
    const { condition } = error as { condition?: string };
    if (condition === 'not-authorized') throw new PasswordChangeError('wrong-current');
    if (condition === 'policy-violation' || condition === 'resource-constraint') throw new PasswordChangeError('rate-limited');
    if (condition === 'not-acceptable' || condition === 'bad-request') throw new PasswordChangeError('not-acceptable');
    throw new PasswordChangeError('other');
  }
  connection.useNewPassword(password);
}

/** XEP-0077 §3.2: delete the logged-in account. The server then closes the stream. */
export async function deleteAccount(connection: Connection): Promise<void> {
  await connection.iq('set', xml('query', { xmlns: NS.REGISTER }, xml('remove')));
}
