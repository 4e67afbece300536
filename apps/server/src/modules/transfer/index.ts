import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { formValue, jid, NS, StanzaError, tryParseJid, xml, type Jid } from '@conexizan/protocol';
import type { ModuleContext, ServerModule } from '../../core/module.ts';
import type { Pep } from '../pep/api.ts';
import type { AccountTransfer } from './api.ts';
import { exportAccount } from './export.ts';
import { importAccount } from './import.ts';
// Its services and events (api.ts), so that whatever compiles the module list sees them typed.
export type * from './api.ts';

/**
 * Moving accounts: XEP-0227 export and import (export.ts, import.ts) for
 * the operators (the 'transfer' service: `conexizan user export|import`
 * through the control channel), and for every user two commands on the
 * domain (XEP-0050):
 * - "Download my account": a link, valid EXPORT_LINK_MINUTES and usable
 *   once, to their account as a XEP-0227 file (HTTP, /account-export/);
 *   the link's token is kept only as a hash, in storage, so any server
 *   process can serve it;
 * - "Announce my move" (XEP-0283): publishes the moved statement
 *   (urn:xmpp:moved:1, readable by anyone) naming the new address, which
 *   contacts check when the new account asks them to subscribe.
 */
export const EXPORT_COMMAND_NODE = 'https://conexizan.org/commands#export-account';
export const MOVED_COMMAND_NODE = 'https://conexizan.org/commands#announce-move';
export const EXPORT_PATH = '/account-export/';
const EXPORT_LINK_MINUTES = 15;
const MAX_IMPORT_BYTES = 64 * 1024 * 1024;
const linkKey = (username: string) => `account-export:${username}`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export const transfer: ServerModule = {
  name: 'transfer',
  implements: ['XEP-0227', 'XEP-0283'],
  depends: ['adhoc', 'pep', 'audit'],
  provides: ['transfer'],
  setup(ctx) {
    const pep = ctx.require('pep');
    const audit = ctx.require('audit');
    const service: AccountTransfer = {
      maxImportBytes: MAX_IMPORT_BYTES,
      async exportAccount(username) {
        const name = safePrep(ctx, username);
        if (!name || !(await ctx.accounts.exists(name))) throw new StanzaError('item-not-found', { type: 'cancel', text: `no account ${username}` });
        return exportAccount(ctx, pep, jid(name, ctx.domain));
      },
      async importAccount(document, options) {
        if (Buffer.byteLength(document) > MAX_IMPORT_BYTES) throw new StanzaError('not-acceptable', { type: 'modify', text: `the file is larger than ${MAX_IMPORT_BYTES} bytes; nothing was imported` });
        const summary = await importAccount(ctx, pep, document, options);
        if (options.actor) await audit.record(options.actor, 'import-user', summary.account, `from ${summary.from}`);
        ctx.log.info({ contacts: summary.contacts, archived: summary.archived }, 'account imported');
        return summary;
      },
    };
    ctx.provide('transfer', service);
    registerUserCommands(ctx, pep);
    ctx.http.route(EXPORT_PATH, async ({ res, url }) => {
      const token = decodeURIComponent(url.pathname.slice(EXPORT_PATH.length));
      const username = await redeemLink(ctx, token);
      if (!username) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'access-control-allow-origin': '*' });
        res.end('this download link is unknown, used or expired: ask for a new one\n');
        return;
      }
      const document = await exportAccount(ctx, pep, jid(username, ctx.domain));
      res.writeHead(200, {
        'content-type': 'application/xml; charset=utf-8',
        'content-disposition': `attachment; filename="${username}@${ctx.domain}.xml"`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        // The web client downloads it from its own origin, which may differ.
        'access-control-allow-origin': '*',
      });
      res.end(document);
    });
  },
};

function safePrep(ctx: ModuleContext, username: string): string | null {
  try {
    return ctx.accounts.prepareUsername(username);
  } catch {
    return null;
  }
}

/** A new one-time download link for the account (an earlier one stops working). */
async function createLink(ctx: ModuleContext, username: string): Promise<{ path: string; expires: Date }> {
  const secret = randomBytes(24).toString('base64url');
  const expires = new Date(Date.now() + EXPORT_LINK_MINUTES * 60_000);
  await ctx.storage.settings.set(linkKey(username), JSON.stringify({ hash: sha256(secret), expires: expires.toISOString() }));
  return { path: `${EXPORT_PATH}${Buffer.from(username).toString('base64url')}.${secret}`, expires };
}

/** The account a link is for, using the link up; null if it is unknown, used or expired. */
async function redeemLink(ctx: ModuleContext, token: string): Promise<string | null> {
  const [encoded, secret] = token.split('.');
  if (!encoded || !secret) return null;
  const username = Buffer.from(encoded, 'base64url').toString();
  const stored = await ctx.storage.settings.get(linkKey(username));
  if (!stored) return null;
  const { hash, expires } = JSON.parse(stored) as { hash: string; expires: string };
  const given = Buffer.from(sha256(secret));
  if (given.length !== hash.length || !timingSafeEqual(given, Buffer.from(hash))) return null;
  // Used once: of two downloads at the same time, the one that deletes it gets it.
  if (!(await ctx.storage.settings.delete(linkKey(username)))) return null;
  return Date.parse(expires) > Date.now() && (await ctx.accounts.exists(username)) ? username : null;
}

function publicBase(ctx: ModuleContext): string {
  if (ctx.config.upload.public_url) return ctx.config.upload.public_url.replace(/\/$/, '');
  return `https://${ctx.domain}:${ctx.config.ports.https}`;
}

function registerUserCommands(ctx: ModuleContext, pep: Pep): void {
  const adhoc = ctx.require('adhoc');
  const ownAccount = (requester: Jid) => requester.domain === ctx.domain && !!requester.local;
  adhoc.register({
    node: EXPORT_COMMAND_NODE,
    name: 'Download my account',
    allowed: ownAccount,
    async execute({ requester }) {
      const { path, expires } = await createLink(ctx, requester.local);
      return {
        status: 'completed',
        notes: [{ type: 'info', text: `Download your account within ${EXPORT_LINK_MINUTES} minutes; the link works once.` }],
        form: {
          type: 'result',
          title: 'Your account as a file (XEP-0227)',
          instructions: ['Contacts, profile, bookmarks, encryption keys you published and your message archive as stored (encrypted messages stay encrypted). Keep the file safe: it also holds what your password can be checked against.'],
          fields: [
            { var: 'url', type: 'text-single', label: 'Download link', values: [`${publicBase(ctx)}${path}`] },
            { var: 'path', type: 'hidden', values: [path] },
            { var: 'expires', type: 'text-single', label: 'Valid until', values: [expires.toISOString()] },
          ],
        },
      };
    },
  });

  adhoc.register({
    node: MOVED_COMMAND_NODE,
    name: 'Announce my move',
    allowed: ownAccount,
    async execute({ requester, form }) {
      if (!form) {
        return {
          status: 'executing',
          form: {
            type: 'form',
            title: 'Announce that this account moved',
            instructions: ['Your contacts can then confirm that requests from your new address come from you (XEP-0283). Keep this account until they have moved.'],
            fields: [{ var: 'new-jid', type: 'jid-single', label: 'Your new address', required: true, values: [] }],
          },
          actions: ['complete'],
        };
      }
      const target = tryParseJid(formValue(form, 'new-jid')?.trim());
      if (!target || !target.local || target.resource || target.equals(requester.bare())) {
        return { status: 'completed', notes: [{ type: 'error', text: 'give your new address, such as name@example.org' }] };
      }
      await pep.publish(requester.bare(), NS.MOVED, { id: 'current', payload: xml('moved', { xmlns: NS.MOVED }, xml('new-jid', {}, target.toString())) }, { access_model: 'open' });
      return { status: 'completed', notes: [{ type: 'info', text: `This account now says it moved to ${target}.` }] };
    },
  });
}
