import type { ServerResponse } from 'node:http';
import type { HttpRequest } from '../../core/http-routes.ts';
import type { ModuleContext } from '../../core/module.ts';
import type { Invites } from '../invites/api.ts';
import type { Registration } from '../register/api.ts';
import { pageLanguage, type Language } from './language.ts';
import { registeredPage, registerPage, type RegisterForm, type SiteFacts } from './pages.ts';
import { FormBodyError, formCookie, formCookieNonce, FormTokens, readForm, sentFromThisSite } from './register-form.ts';
import { sendPage } from './static-files.ts';
import { TEXTS } from './texts.ts';
import { httpsLocation } from './transport.ts';

/**
 * /register: an account made with a plain HTML form, for browsers without
 * JavaScript (the web client registers over XMPP itself). The password
 * reaches the server as it does from any app's in-band registration (inside
 * TLS), so the form is served and accepted over https only; it is never
 * logged nor shown again. The account is made by the registration module
 * under the same rules as in-band registration (register/registration.ts);
 * the form adds the rules checkbox, a repeated password and its token
 * against cross-site posts (register-form.ts).
 */
export const REGISTER_PATH = '/register';
const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

export function registrationForm(ctx: ModuleContext, site: SiteFacts, policy: string, services: { register: Registration; invites: Invites }): (request: HttpRequest) => Promise<void> {
  const tokens = new FormTokens(ctx.accounts.fakeSaltSecret);
  const minPasswordLength = ctx.config.accounts.min_password_length;

  /** The form (with a new token and its cookie), or the sentence why there is none. */
  function showForm(res: ServerResponse, request: HttpRequest, lang: Language, chosen: boolean, status: number, form: Omit<RegisterForm, 'token' | 'minPasswordLength'> | string): void {
    // same-origin: the post says where it comes from (Origin; an invitation's token in the address goes nowhere else).
    const headers: Record<string, string> = { 'content-language': lang, 'cache-control': 'no-store', 'referrer-policy': 'same-origin' };
    let page: RegisterForm | string = typeof form === 'string' ? form : { ...form, token: '', minPasswordLength };
    if (typeof page !== 'string') {
      const { token, nonce } = tokens.issue();
      page = { ...page, token };
      headers['set-cookie'] = formCookie(nonce);
    }
    // Not compressed: a page with a secret (the token) beside what was typed must not let its size tell anything (BREACH).
    sendPage(request.req, res, status, registerPage({ lang, chosen }, site, page), policy, headers, false);
  }

  /** Why no form can be offered to this browser now, if so. */
  async function unavailable(lang: Language, invitation: string | null): Promise<string | null> {
    const t = TEXTS[lang].form;
    if (site.registration === 'closed') return t.refusals.closed(minPasswordLength);
    if (invitation !== null && !(TOKEN.test(invitation) && (await services.invites.expiresAt(invitation)))) return t.refusals['invitation-invalid'](minPasswordLength);
    if (site.registration === 'invite' && invitation === null) return t.refusals['invitation-needed'](minPasswordLength);
    return null;
  }

  return async (request) => {
    const { req, res, url, secure } = request;
    const { lang, chosen } = pageLanguage(req, url);
    const t = TEXTS[lang].form;
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'POST') {
      res.writeHead(405, { allow: 'GET, HEAD, POST', 'content-type': 'text/plain; charset=utf-8' });
      return void res.end('method not allowed\n');
    }
    if (!secure) {
      // Over plain http a password would cross the network readable: to our HTTPS listener, or say why not.
      const location = req.method === 'POST' ? null : httpsLocation(req, url, ctx.config.ports.https);
      if (location) {
        res.writeHead(308, { location, 'content-type': 'text/plain; charset=utf-8' });
        return void res.end(`${location}\n`);
      }
      return showForm(res, request, lang, chosen, 403, t.https);
    }
    if (req.method !== 'POST') {
      const invitation = url.searchParams.get('invitation');
      const why = await unavailable(lang, invitation);
      return showForm(res, request, lang, chosen, why ? 403 : 200, why ?? { invitation, username: '', error: null });
    }

    let fields: URLSearchParams;
    try {
      fields = await readForm(req);
    } catch (error) {
      if (!(error instanceof FormBodyError)) throw error;
      res.writeHead(error.status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      return void res.end('the form could not be read\n');
    }
    const field = (name: string) => fields.get(name) ?? '';
    const invitation = fields.get('invitation') || null;
    const username = field('username').trim();
    const again = (status: number, error: string) => showForm(res, request, lang, chosen, status, { invitation, username, error });
    const why = await unavailable(lang, invitation);
    if (why) return showForm(res, request, lang, chosen, 403, why);
    const askedAt = tokens.verify(field('form'), formCookieNonce(req));
    if (askedAt === null || !sentFromThisSite(req)) return again(403, t.expired);
    if (field('rules') !== 'yes') return again(400, t.rulesNeeded);
    if (field('password') !== field('password2')) return again(400, t.mismatch);
    const result = await services.register.registerFromWeb({ username, password: field('password'), sourceKey: request.sourceKey, askedAt, invitation });
    if (!result.ok) {
      const status = result.reason === 'rate-limited' ? 429 : result.reason === 'exists' || result.reason === 'reserved' || result.reason === 'reserved-name' ? 409 : 400;
      return again(status, t.refusals[result.reason](minPasswordLength));
    }
    sendPage(req, res, 201, registeredPage({ lang, chosen }, site, `${result.username}@${site.domain}`), policy, {
      'content-language': lang,
      'cache-control': 'no-store',
      // The form is done: its cookie goes.
      'set-cookie': `${formCookie('')}; Max-Age=0`,
    });
  };
}
