import type { Backend } from '../db.ts';
import type { AbuseReport, ReportReason, ReportRepository, ReportStatus, ReportedMessage } from '../types.ts';
import type { Run } from './run.ts';

interface ReportRow {
  id: string;
  createdAt: Date;
  reporter: string;
  offender: string;
  reason: string;
  text: string;
  messages: string;
  origin: string;
  status: string;
  resolvedAt: Date | null;
  resolution: string | null;
}

/** The reported messages as JSON text: dates as ISO strings. */
function messagesToJson(messages: ReportedMessage[]): string {
  return JSON.stringify(messages.map((m) => ({ ...m, at: m.at?.toISOString() ?? null })));
}

function messagesFromJson(text: string): ReportedMessage[] {
  const parsed = JSON.parse(text) as { id: string; by: string; stanza: string | null; at: string | null }[];
  return parsed.map((m) => ({ ...m, at: m.at ? new Date(m.at) : null }));
}

function toReport(row: ReportRow): AbuseReport {
  return {
    ...row,
    reason: row.reason as ReportReason,
    origin: row.origin as AbuseReport['origin'],
    status: row.status as ReportStatus,
    messages: messagesFromJson(row.messages),
  };
}

export function reportRepository({ db }: Backend, run: Run): ReportRepository {
  return {
    create: (report) =>
      run('reports.create', async () => {
        await db.abuseReport.create({ data: { ...report, messages: messagesToJson(report.messages), status: 'open' } });
      }),

    get: (id) =>
      run('reports.get', async () => {
        const row = await db.abuseReport.findUnique({ where: { id } });
        return row ? toReport(row) : null;
      }),

    list: ({ status, offender, limit }) =>
      run('reports.list', async () => {
        const rows = await db.abuseReport.findMany({
          where: { ...(status ? { status } : {}), ...(offender ? { offender } : {}) },
          orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
          take: limit,
        });
        return rows.map(toReport);
      }),

    count: (status) => run('reports.count', () => db.abuseReport.count({ where: { status } })),

    countBy: (reporter, since) => run('reports.countBy', () => db.abuseReport.count({ where: { reporter, createdAt: { gte: since } } })),

    close: (id, status, resolution, at) =>
      run('reports.close', async () => {
        // Conditional: of two operators closing the same report, one wins.
        const { count } = await db.abuseReport.updateMany({ where: { id, status: 'open' }, data: { status, resolution, resolvedAt: at } });
        return count === 1;
      }),

    purgeClosed: (cutoff) =>
      run('reports.purgeClosed', async () => {
        const { count } = await db.abuseReport.deleteMany({ where: { status: { not: 'open' }, resolvedAt: { lt: cutoff } } });
        return count;
      }),
  };
}
