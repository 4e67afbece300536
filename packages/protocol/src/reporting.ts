// XEP-0377 abuse reports, carried in a XEP-0191 block item: both sides. A
// client builds one (web "Report"); the server reads what clients send, in
// the current namespace (urn:xmpp:reporting:1, reason as a URN attribute)
// and the old one (urn:xmpp:reporting:0, <spam/> or <abuse/> children) that
// slixmpp 1.8 and older clients still send.
import { NS } from './namespaces.ts';
import { xml, type Element } from './xml.ts';

export type ReportReason = 'spam' | 'abuse' | 'other';

/**
 * XEP-0377 defines spam and abuse; 'other' (neither, the text says what) is
 * ours, and any reason a server does not know reads as 'other'.
 */
export const REPORT_REASON_URNS: Record<ReportReason, string> = {
  spam: 'urn:xmpp:reporting:spam',
  abuse: 'urn:xmpp:reporting:abuse',
  other: 'https://conexizan.org/reporting#other',
};

/** A reported message: its XEP-0359 stanza id and the entity that gave it ('by': an archive owner or a room). */
export interface ReportedStanzaId {
  id: string;
  by: string;
}

export interface Report {
  reason: ReportReason;
  /** what the reporter wrote ('' for nothing) */
  text: string;
  stanzaIds: ReportedStanzaId[];
  /** the reporter agrees that the report goes to the offender's server (§4 report-origin) */
  toOrigin: boolean;
}

export const MAX_REPORT_TEXT = 2000;
export const MAX_REPORTED_STANZAS = 20;

/** The <report/> (urn:xmpp:reporting:1) for a block item. */
export function buildReport(report: Partial<Report> & { reason: ReportReason }, lang?: string): Element {
  return xml(
    'report',
    { xmlns: NS.REPORTING, reason: REPORT_REASON_URNS[report.reason] },
    ...(report.stanzaIds ?? []).map(({ id, by }) => xml('stanza-id', { xmlns: NS.SID, id, by })),
    report.text ? xml('text', { 'xml:lang': lang }, report.text) : null,
    report.toOrigin ? xml('report-origin') : null,
  );
}

/**
 * The report in a block item (either namespace), or null if it carries
 * none. Long texts are cut, surplus stanza ids dropped, ids without 'by' or
 * 'id' ignored: a report is never refused for its form alone.
 */
export function parseReport(item: Element): Report | null {
  const current = item.getChild('report', NS.REPORTING);
  const old = current ? undefined : item.getChild('report', NS.REPORTING_0);
  const report = current ?? old;
  if (!report) return null;
  let reason: ReportReason = 'other';
  if (current) {
    const urn = current.attrs.reason;
    reason = urn === REPORT_REASON_URNS.spam ? 'spam' : urn === REPORT_REASON_URNS.abuse ? 'abuse' : 'other';
  } else if (old!.getChild('spam')) reason = 'spam';
  else if (old!.getChild('abuse')) reason = 'abuse';
  const text = (report.getChildText('text') ?? '').trim().slice(0, MAX_REPORT_TEXT);
  const stanzaIds = report
    .getChildren('stanza-id', NS.SID)
    .map((el) => ({ id: el.attrs.id ?? '', by: el.attrs.by ?? '' }))
    .filter((entry) => entry.id && entry.by && entry.id.length <= 200 && entry.by.length <= 3071)
    .slice(0, MAX_REPORTED_STANZAS);
  return { reason, text, stanzaIds, toOrigin: report.getChild('report-origin') !== undefined };
}
