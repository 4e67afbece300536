import { formTable, formValue } from '@conexizan/protocol';
import { runPeriodically } from '../../core/periodic.ts';
import type { ServerModule } from '../../core/module.ts';
import type { Audit } from './api.ts';
// Its services and events (api.ts), so that whatever compiles the module list sees them typed.
export type * from './api.ts';

export const AUDIT_LOG_NODE = 'https://conexizan.org/commands#audit-log';
const FORM_TYPE = 'https://conexizan.org/commands#audit';
const DAY_MS = 86_400_000;
const PAGE = 50;
const MAX_TEXT = 500;

/**
 * The audit log (api.ts) in storage, kept `audit.retention_days`, and an
 * operator command that shows it a page at a time, newest first, as a
 * XEP-0004 table (reported fields, one item per entry), which the admin
 * area shows and any ad-hoc client can read.
 */
export const audit: ServerModule = {
  name: 'audit',
  implements: [],
  depends: ['adhoc', 'operators'],
  provides: ['audit'],
  setup(ctx) {
    const operators = ctx.require('operators');
    const service: Audit = {
      async record(actor, action, target, detail = '') {
        await ctx.storage.audit.append({ at: new Date(), actor: actor === 'server' ? 'server' : operators.nameOf(actor), action, target: target.slice(0, MAX_TEXT), detail: detail.slice(0, MAX_TEXT) });
      },
    };
    ctx.provide('audit', service);
    runPeriodically(ctx, 'purging the audit log', DAY_MS / 4, async () => {
      const purged = await ctx.storage.audit.purgeOlderThan(new Date(Date.now() - ctx.config.audit.retention_days * DAY_MS));
      if (purged > 0) ctx.log.info({ purged }, 'old audit log entries purged');
    });

    ctx.require('adhoc').register({
      node: AUDIT_LOG_NODE,
      name: 'Show the audit log',
      allowed: (requester) => operators.isOperator(requester),
      async execute({ form }) {
        if (!form) {
          return {
            status: 'executing',
            form: { type: 'form', title: 'Audit log', fields: [{ var: 'FORM_TYPE', type: 'hidden', values: [FORM_TYPE] }, { var: 'before', type: 'text-single', label: 'Entries older than number (empty: the newest)', values: [] }] },
            actions: ['complete'],
          };
        }
        const before = Number(formValue(form, 'before') ?? '');
        const entries = await ctx.storage.audit.list({ limit: PAGE, ...(Number.isSafeInteger(before) && before > 0 ? { before } : {}) });
        return {
          status: 'completed',
          form: {
            type: 'result',
            title: 'Audit log',
            instructions: [entries.length === PAGE ? `The newest ${PAGE}; run again with 'before' = ${entries.at(-1)!.id} for older ones.` : `${entries.length} entries.`],
            fields: [{ var: 'FORM_TYPE', type: 'hidden', values: [FORM_TYPE] }],
            ...formTable(
              [
                { var: 'id', label: 'No.' },
                { var: 'at', label: 'When' },
                { var: 'actor', label: 'Who' },
                { var: 'action', label: 'What' },
                { var: 'target', label: 'To what' },
                { var: 'detail', label: 'Details' },
              ],
              entries.map((entry) => ({ ...entry, id: String(entry.id), at: entry.at.toISOString() })),
            ),
          },
        };
      },
    });
  },
};
