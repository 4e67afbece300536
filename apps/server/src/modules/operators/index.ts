import { jid, tryParseJid, xml, type Jid } from '@conexizan/protocol';
import type { ServerModule } from '../../core/module.ts';
import type { Operators } from './api.ts';
// Its services and events (api.ts), so that whatever compiles the module list sees them typed.
export type * from './api.ts';

/** The resource of the local operator's address (operators/api.ts). */
export const LOCAL_OPERATOR_RESOURCE = 'command-line';

/**
 * The operators of the service (api.ts): the `admins` of the config, the
 * command line on this machine, and notices to the admins. One place, so
 * every operator command (admin, suspension, reports, announcements, group
 * chat, federation) asks the same question the same way.
 */
export const operators: ServerModule = {
  name: 'operators',
  implements: [],
  provides: ['operators'],
  setup(ctx) {
    const admins = [...new Set(ctx.config.admins.map((entry) => tryParseJid(entry)?.bare().toString()).filter((entry): entry is string => !!entry))];
    const adminSet = new Set(admins);
    const localOperator = jid('', ctx.domain, LOCAL_OPERATOR_RESOURCE);
    const isLocalOperator = (requester: Jid) => !requester.local && requester.domain === ctx.domain && requester.resource === LOCAL_OPERATOR_RESOURCE;
    const local = admins.filter((admin) => admin.endsWith(`@${ctx.domain}`));
    const service: Operators = {
      isOperator: (requester) => isLocalOperator(requester) || (requester.domain === ctx.domain && adminSet.has(requester.bare().toString())),
      localOperator,
      nameOf: (requester) => (isLocalOperator(requester) ? 'command line' : requester.bare().toString()),
      admins: local,
      async notify(subject, body) {
        for (const admin of local) {
          // type normal: it is kept offline for an admin who is away (XEP-0160) and shown as a notice.
          await ctx.router.send(xml('message', { to: admin, from: ctx.domain, type: 'normal' }, xml('subject', {}, subject), xml('body', {}, body)));
        }
      },
    };
    ctx.provide('operators', service);
  },
};
