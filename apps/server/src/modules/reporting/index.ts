import { randomBytes } from 'node:crypto';
import { NS, parseReport, StanzaError, tryParseJid, type Element, type Jid } from '@conexizan/protocol';
import type { AbuseReport, ReportedMessage } from '@conexizan/storage';
import { IqDispatcher } from '../../core/iq.ts';
import type { IqRequest } from '../../core/iq.ts';
import type { ModuleContext, ServerModule } from '../../core/module.ts';
import { runPeriodically } from '../../core/periodic.ts';
import type { StanzaEvent } from '../../core/router.ts';
import { registerReportCommands } from './commands.ts';
import { readableMessage, reportedMessages } from './evidence.ts';

/**
 * XEP-0377 abuse reports. A user reports by blocking with a <report/> in the
 * block item (XEP-0191), in either namespace (urn:xmpp:reporting:1, or :0 as
 * slixmpp 1.8 sends it): the block goes ahead as always (the blocking
 * module), and the report is kept for the operators with the reporter's
 * readable copies of the messages it names (evidence.ts). The admins get a
 * notice with the number of open reports; the operator commands
 * (commands.ts) list, show and close reports.
 *
 * Limits: `reports.per_hour` per reporter (counted in storage, so on every
 * node): beyond it the block command is refused with resource-constraint
 * and nothing happens, so the reporter knows. Other servers may forward
 * reports about our users (a message to our domain with a <report/> naming
 * the offender in <jid xmlns='urn:xmpp:jid:0'/>, as Prosody's
 * mod_report_forward sends them) only as `reports.from_other_servers`
 * allows, at most `reports.remote_per_hour` an hour together; others are
 * answered not-allowed.
 */
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export const reporting: ServerModule = {
  name: 'reporting',
  implements: ['XEP-0377'],
  depends: ['blocking', 'adhoc', 'operators', 'audit'],
  setup(ctx) {
    const operators = ctx.require('operators');
    const mucService = ctx.services.find('muc')?.service ?? null;
    for (const feature of [NS.REPORTING, NS.REPORTING_0, 'urn:xmpp:reporting:reason:spam:0', 'urn:xmpp:reporting:reason:abuse:0']) ctx.features.addFeature('server', feature);

    const store = async (report: Omit<AbuseReport, 'id' | 'createdAt' | 'status' | 'resolvedAt' | 'resolution'>) => {
      await ctx.storage.reports.create({ ...report, id: randomBytes(12).toString('base64url'), createdAt: new Date() });
      const open = await ctx.storage.reports.count('open');
      const text = report.text ? `: “${report.text.slice(0, 300)}”` : '';
      await operators.notify(
        'New abuse report',
        `${report.reporter} reported ${report.offender} (${report.reason})${text}\n${open} open report${open === 1 ? '' : 's'}. Review them in the admin area of the web client, or with the command “Review abuse reports”.`,
      );
    };

    const fromUser = async (request: IqRequest): Promise<undefined> => {
      if (request.origin.kind !== 'c2s') return undefined;
      const reporter = request.from.bare();
      // slixmpp 1.8 (XEP-0377 0.2) puts the report beside the items, for all of them.
      const forAll = parseReport(request.payload);
      const reports = request.payload.getChildren('item').flatMap((item) => {
        const report = parseReport(item) ?? forAll;
        const offender = tryParseJid(item.attrs.jid);
        return report && offender ? [{ report, offender }] : [];
      });
      if (reports.length === 0) return undefined;
      const recent = await ctx.storage.reports.countBy(reporter.toString(), new Date(Date.now() - HOUR_MS));
      if (recent + reports.length > ctx.config.reports.per_hour) {
        throw new StanzaError('resource-constraint', { type: 'wait', text: `at most ${ctx.config.reports.per_hour} reports an hour; block without a report, or report again later` });
      }
      for (const { report, offender } of reports) {
        const messages = await reportedMessages(ctx.storage, reporter, offender, report.stanzaIds, mucService);
        await store({ reporter: reporter.toString(), offender: offender.toString(), reason: report.reason, text: report.text, messages, origin: 'local' });
      }
      ctx.log.info({ reports: reports.length }, 'abuse report received');
      // The blocking module answers and blocks, as for any block command.
      return undefined;
    };
    for (const scope of ['self', 'host'] as const) ctx.hooks.on(IqDispatcher.hookName('set', scope, NS.BLOCKING, 'block'), fromUser, 'intercept');

    ctx.hooks.on('message/host', async (event) => {
      const report = event.stanza.getChild('report', NS.REPORTING);
      if (!report || event.origin.kind !== 's2s' || event.type === 'error') return undefined;
      await acceptForwarded(ctx, event, report, mucService, store);
      return true;
    });

    runPeriodically(ctx, 'purging closed reports', DAY_MS / 4, async () => {
      const purged = await ctx.storage.reports.purgeClosed(new Date(Date.now() - ctx.config.reports.keep_closed_days * DAY_MS));
      if (purged > 0) ctx.log.info({ purged }, 'closed abuse reports purged');
    });

    registerReportCommands(ctx, mucService);
  },
};

type Store = (report: Omit<AbuseReport, 'id' | 'createdAt' | 'status' | 'resolvedAt' | 'resolution'>) => Promise<void>;

/** A report another server forwarded about one of our users or rooms: kept only as the config allows. */
async function acceptForwarded(ctx: ModuleContext, event: StanzaEvent, report: Element, mucService: string | null, store: Store): Promise<void> {
  const { from_other_servers: policy, trusted_servers: trusted, remote_per_hour: perHour } = ctx.config.reports;
  const sender = event.from.domain;
  const isTrusted = trusted.some((domain) => sender === domain.toLowerCase() || sender.endsWith(`.${domain.toLowerCase()}`));
  if (policy === 'none' || (policy === 'trusted' && !isTrusted)) {
    throw new StanzaError('not-allowed', { type: 'cancel', text: 'this server does not accept abuse reports from other servers' });
  }
  const offender = tryParseJid(report.getChildText('jid', NS.JID)?.trim());
  if (!offender || (offender.domain !== ctx.domain && offender.domain !== mucService)) {
    throw new StanzaError('bad-request', { type: 'modify', text: `name the reported address on ${ctx.domain} in <jid xmlns='${NS.JID}'/>` });
  }
  // Counted in ctx.counters, which every node of a cluster shares: perHour in a burst, one more every hour / perHour.
  const refused = perHour === 0 || (await ctx.counters.take('reports:from-other-servers', { capacity: perHour, refillMs: HOUR_MS / perHour })) > 0;
  if (refused) throw new StanzaError('resource-constraint', { type: 'wait', text: 'too many reports from other servers; try again later' });
  const parsed = parseReport(event.stanza);
  const forwarded = event.stanza.getChild('forwarded', NS.FORWARD);
  const message = forwarded?.getChild('message');
  const stamp = forwarded?.getChild('delay', NS.DELAY)?.attrs.stamp;
  const messages: ReportedMessage[] = message
    ? [{ id: message.attrs.id ?? '', by: sender, stanza: readableMessage(message), at: stamp && !Number.isNaN(Date.parse(stamp)) ? new Date(stamp) : null }]
    : [];
  await store({
    reporter: (event.from as Jid).bare().toString(),
    offender: offender.toString(),
    reason: parsed?.reason ?? 'other',
    text: parsed?.text ?? '',
    messages,
    origin: 'remote',
  });
  ctx.log.info('abuse report forwarded by another server received');
}
