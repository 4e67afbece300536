import { formTable, formValue, parseXml, tryParseJid, type DataFormField } from '@conexizan/protocol';
import type { AbuseReport, ReportStatus } from '@conexizan/storage';
import type { ModuleContext } from '../../core/module.ts';
import type { CommandResponse } from '../adhoc/api.ts';

/**
 * The operators' side of abuse reports, as ad-hoc commands (XEP-0050) that
 * the web client's admin area uses and any other client can run:
 * - list reports (open by default) as a XEP-0004 table;
 * - show one with its context: what the offender is (an account of ours,
 *   suspended or not, a room, another server), the reported messages as far
 *   as they were readable, and how many other reports name it;
 * - close one as resolved or dismissed, with what was done (audit log).
 * The actions themselves (suspend, delete, block a domain, close a room)
 * are their own commands.
 */
export const REPORT_COMMAND = (name: string) => `https://conexizan.org/commands#reports-${name}`;
const FORM_TYPE: DataFormField = { var: 'FORM_TYPE', type: 'hidden', values: ['https://conexizan.org/commands#reports'] };
const MAX_LISTED = 200;

export type OffenderKind = 'account' | 'occupant' | 'room' | 'domain' | 'remote';

/** What a reported address is, seen from this server. */
export function offenderKind(offender: string, domain: string, mucService: string | null): OffenderKind {
  const jid = tryParseJid(offender);
  if (!jid || !jid.local) return 'domain';
  if (mucService && jid.domain === mucService) return jid.resource ? 'occupant' : 'room';
  return jid.domain === domain ? 'account' : 'remote';
}

export function registerReportCommands(ctx: ModuleContext, mucService: string | null): void {
  const adhoc = ctx.require('adhoc');
  const operators = ctx.require('operators');
  const audit = ctx.require('audit');
  const allowed = (requester: Parameters<typeof operators.isOperator>[0]) => operators.isOperator(requester);
  const idField: DataFormField = { var: 'id', type: 'text-single', label: 'Report', required: true, values: [] };
  const ask = (title: string, fields: DataFormField[]): CommandResponse => ({ status: 'executing', form: { type: 'form', title, fields: [FORM_TYPE, ...fields] }, actions: ['complete'] });
  const error = (text: string): CommandResponse => ({ status: 'completed', notes: [{ type: 'error', text }] });

  adhoc.register({
    node: REPORT_COMMAND('list'),
    name: 'Review abuse reports',
    allowed,
    async execute({ form }) {
      if (!form) {
        return ask('Abuse reports', [
          { var: 'status', type: 'list-single', label: 'Which reports', values: ['open'], options: ['open', 'resolved', 'dismissed', 'all'].map((value) => ({ value })) },
        ]);
      }
      const status = formValue(form, 'status') ?? 'open';
      if (!['open', 'resolved', 'dismissed', 'all'].includes(status)) return error('status must be open, resolved, dismissed or all');
      const reports = await ctx.storage.reports.list({ ...(status === 'all' ? {} : { status: status as ReportStatus }), limit: MAX_LISTED });
      const open = await ctx.storage.reports.count('open');
      return {
        status: 'completed',
        form: {
          type: 'result',
          title: 'Abuse reports',
          instructions: [`${open} open. Newest first${reports.length === MAX_LISTED ? `, the first ${MAX_LISTED}` : ''}.`],
          fields: [FORM_TYPE, { var: 'open', label: 'Open reports', values: [String(open)] }],
          ...formTable(
            [
              { var: 'id', label: 'Report' },
              { var: 'created', label: 'When' },
              { var: 'reporter', label: 'Reported by' },
              { var: 'offender', label: 'Reported' },
              { var: 'kind', label: 'Kind' },
              { var: 'reason', label: 'Reason' },
              { var: 'text', label: 'Text' },
              { var: 'messages', label: 'Messages' },
              { var: 'status', label: 'Status' },
            ],
            reports.map((report) => ({
              id: report.id,
              created: report.createdAt.toISOString(),
              reporter: report.reporter,
              offender: report.offender,
              kind: offenderKind(report.offender, ctx.domain, mucService),
              reason: report.reason,
              text: report.text.slice(0, 200),
              messages: String(report.messages.length),
              status: report.status,
            })),
          ),
        },
      };
    },
  });

  adhoc.register({
    node: REPORT_COMMAND('show'),
    name: 'Show an abuse report',
    allowed,
    async execute({ form }) {
      if (!form) return ask('Show an abuse report', [idField]);
      const report = await ctx.storage.reports.get(formValue(form, 'id')?.trim() ?? '');
      if (!report) return error('no such report');
      return { status: 'completed', form: await details(report) };
    },
  });

  adhoc.register({
    node: REPORT_COMMAND('close'),
    name: 'Close an abuse report',
    allowed,
    async execute({ requester, form }) {
      if (!form) {
        return ask('Close an abuse report', [
          idField,
          { var: 'status', type: 'list-single', label: 'Outcome', values: ['resolved'], options: [{ value: 'resolved', label: 'Resolved: action was taken' }, { value: 'dismissed', label: 'Dismissed: nothing to do' }] },
          { var: 'resolution', type: 'text-single', label: 'What was done', values: [] },
        ]);
      }
      const id = formValue(form, 'id')?.trim() ?? '';
      const status = formValue(form, 'status') ?? 'resolved';
      if (status !== 'resolved' && status !== 'dismissed') return error('the outcome is resolved or dismissed');
      const resolution = (formValue(form, 'resolution') ?? '').trim().slice(0, 500);
      const report = await ctx.storage.reports.get(id);
      if (!report) return error('no such report');
      if (!(await ctx.storage.reports.close(id, status, resolution, new Date()))) return error('the report is closed already');
      await audit.record(requester, status === 'resolved' ? 'resolve-report' : 'dismiss-report', report.offender, resolution);
      const open = await ctx.storage.reports.count('open');
      return { status: 'completed', notes: [{ type: 'info', text: `The report is ${status}. ${open} open report${open === 1 ? '' : 's'} left.` }] };
    },
  });

  /** One report with what the operators need to decide: who is behind it, the messages, other reports. */
  async function details(report: AbuseReport) {
    const kind = offenderKind(report.offender, ctx.domain, mucService);
    const jid = tryParseJid(report.offender);
    let account = '';
    if (kind === 'account' && jid) account = `${jid.local}@${ctx.domain}`;
    if (kind === 'occupant') account = ctx.services.find('muc')?.whoIs(report.offender) ?? '';
    const local = tryParseJid(account);
    const state = !local || local.domain !== ctx.domain ? '' : !(await ctx.accounts.exists(local.local)) ? 'deleted' : (await ctx.accounts.suspension(local.local)) ? 'suspended' : 'active';
    const others = (await ctx.storage.reports.list({ offender: report.offender, limit: 100 })).filter((other) => other.id !== report.id);
    const field = (name: string, label: string, value: string | null): DataFormField => ({ var: name, label, values: value ? [value] : [] });
    return {
      type: 'result' as const,
      title: `Abuse report about ${report.offender}`,
      fields: [
        FORM_TYPE,
        field('id', 'Report', report.id),
        field('created', 'When', report.createdAt.toISOString()),
        field('reporter', 'Reported by', report.reporter),
        field('origin', 'From', report.origin === 'local' ? 'a user of this server' : 'another server'),
        field('offender', 'Reported', report.offender),
        field('kind', 'Kind', kind),
        field('account', 'Account behind it', account || null),
        field('account-state', 'That account is', state || null),
        field('reason', 'Reason', report.reason),
        { var: 'text', type: 'text-multi', label: 'What the reporter wrote', values: report.text ? report.text.split('\n') : [] },
        field('status', 'Status', report.status),
        field('resolution', 'What was done', report.resolution),
        field('other-reports', 'Other reports about it', String(others.length)),
      ],
      ...formTable(
        [{ var: 'id', label: 'Message' }, { var: 'at', label: 'When' }, { var: 'from', label: 'From' }, { var: 'body', label: 'Text' }],
        report.messages.map((message) => {
          const stanza = message.stanza ? parseXml(message.stanza) : null;
          return {
            id: message.id,
            at: message.at?.toISOString() ?? '',
            from: stanza?.attrs.from ?? '',
            body: stanza ? (stanza.getChildText('body') ?? '') : message.at ? '(end-to-end encrypted: not readable by the server)' : '(not found in the reporter’s archive)',
          };
        }),
      ),
    };
  }
}
