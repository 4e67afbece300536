import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../config/schema.ts';
import type { HttpRequest } from '../../core/http-routes.ts';
import type { ModuleContext, ServerModule } from '../../core/module.ts';
import { publicHttpBase } from '../../core/public-url.ts';
import { fileIn, sendPage, serveFile, webClientPolicy, webPageHeaders } from './static-files.ts';
import type { Invites } from '../invites/api.ts';
import { CLIENT_CONFIG_PATH, clientConfig } from './client-config.ts';
import { CLEAR_SITE_DATA_PATH, clearSiteData } from './clear-site-data.ts';
import { pageLanguage } from './language.ts';
import { invitePage, landingPage, needsHttpsPage, notFoundPage, type SiteFacts } from './pages.ts';
import { privacyFacts, privacyStatement } from './privacy.ts';
import { qrSvg } from './qr.ts';
import { RulesFiles } from './rules.ts';
import { archivePrefix, prebuiltSource, REPOSITORY_ROOT, runningVersion, sourceArchive } from '../../source/archive.ts';
import { REGISTER_PATH, registrationForm } from './registration.ts';
import { TEXTS } from './texts.ts';
// Its services (api.ts), so that whatever compiles the module list sees them typed.
export type * from './api.ts';
import { httpsLocation, isSecureContext } from './transport.ts';

/**
 * The service's public face over HTTP(S), at the paths no other module
 * claims: the landing page at / (what the service is, the apps, the rules
 * from data_dir/website, the privacy statement written from the
 * configuration, the source of the running version), invitation pages for
 * XEP-0401 links at /invite/<token>, the web client at /chat/ (built files
 * precompressed, cached by their hashed names), and the client's
 * configuration at /.well-known/conexizan.json, and a registration form for
 * browsers without JavaScript at /register (registration.ts). Pages work
 * without JavaScript, in English and German.
 *
 * Plain http is fine on loopback (development, tests); elsewhere pages are
 * sent to the HTTPS listener, because a browser gives the web client its
 * cryptography only over https, or the web client explains that.
 */
export const CHAT_PATH = '/chat/';
export const INVITE_PATH = '/invite/';
const SITE_ASSETS = fileURLToPath(new URL('./assets/', import.meta.url));
const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

export const website: ServerModule = {
  name: 'website',
  implements: ['XEP-0401 (invitation pages)', 'AGPL-3.0 §13 (source offer)'],
  depends: ['invites', 'register'],
  provides: ['website'],
  async setup(ctx) {
    const invites = ctx.require('invites');
    const register = ctx.require('register');
    ctx.provide('website', { invitationPage: (token) => invitePageUrl(ctx.config, ctx.domain, token) });
    const policy = webClientPolicy(ctx.domain, ctx.config.upload.public_url);
    const dataDir = resolve(ctx.config.data_dir);
    const rules = new RulesFiles(dataDir);
    if (ctx.config.website.enabled) await rules.install();
    const webRoot = ctx.config.web_root ? resolve(ctx.config.web_root) : join(REPOSITORY_ROOT, 'apps/web/dist');
    const version = runningVersion();
    const sourceUrl = ctx.config.website.source_url || '/source/';
    let archive: Promise<Buffer> | null = null;

    const site: SiteFacts = {
      name: ctx.config.website.name || ctx.domain,
      domain: ctx.domain,
      registration: ctx.config.registration,
      version,
      sourceUrl,
      abuse: ctx.config.contact.abuse,
    };

    const registerForm = registrationForm(ctx, site, policy, { register, invites });

    const handlers: { match: (path: string) => boolean; page: boolean; handle: (request: HttpRequest) => Promise<void> | void }[] = [
      { match: (path) => path === '/', page: true, handle: (request) => landing(ctx, request, site, rules, policy) },
      { match: (path) => path === CLIENT_CONFIG_PATH, page: false, handle: ({ req, res, secure }) => {
        const body = JSON.stringify(clientConfig(ctx, req, secure, { version, sourceUrl }));
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache', 'access-control-allow-origin': '*', 'x-content-type-options': 'nosniff' });
        res.end(req.method === 'HEAD' ? undefined : body);
      } },
      { match: (path) => path === CLEAR_SITE_DATA_PATH, page: false, handle: ({ req, res }) => clearSiteData(req, res) },
      { match: (path) => path === '/chat', page: false, handle: ({ res, url }) => redirect(res, 301, `${CHAT_PATH}${url.search}`) },
      { match: (path) => path.startsWith(CHAT_PATH), page: true, handle: (request) => chat(request, webRoot, site, policy) },
      { match: (path) => path.startsWith(INVITE_PATH), page: true, handle: (request) => invite(invites, request, site, policy) },
      // A page, but it takes POST and goes to https on every host (it carries a password): it checks that itself.
      { match: (path) => path === REGISTER_PATH, page: false, handle: (request) => (ctx.config.website.enabled ? registerForm(request) : notFound(request, site, policy)) },
      { match: (path) => path.startsWith('/site/'), page: false, handle: async (request) => {
        const file = fileIn(SITE_ASSETS, request.url.pathname.slice('/site/'.length));
        if (!file || !(await serveFile(request.req, request.res, file, 'revalidate', policy))) notFound(request, site, policy);
      } },
      { match: (path) => path === '/source' || path.startsWith('/source/'), page: false, handle: async ({ req, res }) => {
        if (ctx.config.website.source_url) return redirect(res, 302, ctx.config.website.source_url);
        // An install built from a checkout it does not ship (the container image) serves the archive made then.
        const prebuilt = prebuiltSource();
        archive ??= prebuilt ? readFile(prebuilt.archive) : sourceArchive(archivePrefix(version), REPOSITORY_ROOT, [dataDir]);
        const bytes = await archive.catch((error: unknown) => {
          archive = null;
          throw error;
        });
        res.writeHead(200, {
          'content-type': 'application/gzip',
          'content-disposition': `attachment; filename="conexizan-source.tar.gz"`,
          'content-length': String(bytes.length),
          'cache-control': 'no-cache',
          'x-content-type-options': 'nosniff',
        });
        res.end(req.method === 'HEAD' ? undefined : bytes);
      } },
    ];

    ctx.http.site(async (request) => {
      const { req, res, url } = request;
      const handler = handlers.find((h) => h.match(url.pathname));
      if (handler?.page) {
        if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, policy);
        // Pages leave plain http on a public address for our HTTPS listener, where there is one.
        const location = isSecureContext(req, request.secure) ? null : httpsLocation(req, url, ctx.config.ports.https);
        if (location) return redirect(res, 308, location);
        if (!ctx.config.website.enabled && !url.pathname.startsWith(CHAT_PATH)) return redirect(res, 302, CHAT_PATH);
      }
      if (handler) return await handler.handle(request);
      // The web client's other files (its hashed /assets/, service worker, manifest, icons).
      const file = existsSync(join(webRoot, 'index.html')) ? fileIn(webRoot, url.pathname) : null;
      if (file && !file.endsWith('index.html') && (await serveFile(req, res, file, url.pathname.startsWith('/assets/') ? 'immutable' : 'revalidate', policy))) return;
      notFound(request, site, policy);
    });
  },
};

async function landing(ctx: ModuleContext, { req, res, url }: HttpRequest, site: SiteFacts, rules: RulesFiles, policy: string): Promise<void> {
  const { lang, chosen } = pageLanguage(req, url);
  const registerQr = site.registration === 'open' ? await qrSvg(`xmpp:${site.domain}?register`, TEXTS[lang].qrLabel(`xmpp:${site.domain}?register`)) : null;
  const body = landingPage({ lang, chosen }, site, {
    rules: await rules.render(lang),
    privacy: privacyStatement(privacyFacts(ctx.config), lang),
    registerQr,
  });
  sendPage(req, res, 200, body, policy, { 'content-language': lang });
}

async function chat({ req, res, url, secure }: HttpRequest, webRoot: string, site: SiteFacts, policy: string): Promise<void> {
  const { lang, chosen } = pageLanguage(req, url);
  if (!isSecureContext(req, secure)) return sendPage(req, res, 200, needsHttpsPage({ lang, chosen }, site), policy, { 'content-language': lang });
  // One page for every path under /chat/: the client reads its state from the fragment, never from the path.
  if (!(await serveFile(req, res, join(webRoot, 'index.html'), 'revalidate', policy))) {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', ...webPageHeaders(policy) });
    res.end('The web client is not built on this server (pnpm --filter @conexizan/web build).\n');
  }
}

async function invite(invites: Invites, { req, res, url }: HttpRequest, site: SiteFacts, policy: string): Promise<void> {
  const { lang, chosen } = pageLanguage(req, url);
  const token = url.pathname.slice(INVITE_PATH.length).replace(/\/$/, '');
  let invitation = null;
  if (TOKEN.test(token) && site.registration !== 'closed') {
    const expiresAt = await invites.expiresAt(token);
    if (expiresAt) {
      const uri = `xmpp:${site.domain}?register;preauth=${token}`;
      invitation = { token, expiresAt, qr: await qrSvg(uri, TEXTS[lang].qrLabel(uri)) };
    }
  }
  sendPage(req, res, invitation ? 200 : 404, invitePage({ lang, chosen }, site, invitation, url.pathname), policy, { 'content-language': lang, 'cache-control': 'no-store' });
}

function notFound({ req, res, url }: HttpRequest, site: SiteFacts, policy: string): void {
  const { lang, chosen } = pageLanguage(req, url);
  sendPage(req, res, 404, notFoundPage({ lang, chosen }, site, url.pathname), policy, { 'content-language': lang });
}

function redirect(res: ServerResponse, status: number, location: string): void {
  res.writeHead(status, { location, 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
  res.end(`${location}\n`);
}

function methodNotAllowed(res: ServerResponse, policy: string): void {
  res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8', ...webPageHeaders(policy) });
  res.end('method not allowed\n');
}

/** The address of the invitation page for `token`, for the command line and the admin commands. */
export function invitePageUrl(config: Config, domain: string, token: string): string | null {
  if (!config.website.enabled) return null;
  const base = publicHttpBase(config.website.public_url, config, domain, 'website.public_url');
  return base ? `${base}${INVITE_PATH}${token}` : null;
}
