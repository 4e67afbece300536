import { useCallback, useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Admin, AdminReport, AdminReportDetails, ReportStatus } from '../../session/index.ts';
import { TaskMessage, useAdminTask } from './useAdminTask.tsx';

/** Open reports first; one opened shows its context (who is behind it, the messages) and what can be done about it. */
export function ReportsTab({ admin }: { admin: Admin }) {
  const { t, i18n } = useTranslation();
  const [status, setStatus] = useState<ReportStatus | 'all'>('open');
  const [reports, setReports] = useState<AdminReport[] | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  // What was last done to a report: it stays when the report leaves the list it was in.
  const [done, setDone] = useState<string | null>(null);
  const task = useAdminTask();
  const { run } = task;
  const filter = useId();

  const load = useCallback(async () => {
    setReports((await run(() => admin.reports(status))) ?? []);
  }, [admin, status, run]);
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <section aria-labelledby={`${filter}-title`}>
      <h3 id={`${filter}-title`}>{t('admin.reports.title')}</h3>
      <div className="field inline">
        <label htmlFor={filter}>{t('admin.reports.show')}</label>
        <select id={filter} value={status} onChange={(e) => setStatus(e.target.value as ReportStatus | 'all')}>
          {(['open', 'resolved', 'dismissed', 'all'] as const).map((value) => (
            <option key={value} value={value}>
              {t(`admin.reports.status.${value}`)}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => void load()} disabled={task.busy}>
          {t('admin.refresh')}
        </button>
      </div>
      <TaskMessage message={task.message ?? (done ? { ok: true, text: done } : null)} />
      {reports && reports.length === 0 && <p className="muted">{t('admin.reports.none')}</p>}
      <ul className="plain admin-list" aria-label={t('admin.reports.title')}>
        {reports?.map((report) => (
          <li key={report.id} className="admin-card">
            <p>
              <strong>{report.offender}</strong> · {t(`admin.reports.kinds.${report.kind}`)} · {t(`report.reasons.${report.reason === 'spam' || report.reason === 'abuse' ? report.reason : 'other'}`)}
            </p>
            <p className="muted">
              {t('admin.reports.by', { reporter: report.reporter, when: report.created.toLocaleString(i18n.language, { dateStyle: 'short', timeStyle: 'short' }) })}
              {report.status !== 'open' && ` · ${t(`admin.reports.status.${report.status}`)}`}
            </p>
            {report.text && <blockquote>{report.text}</blockquote>}
            <button type="button" aria-expanded={open === report.id} onClick={() => setOpen(open === report.id ? null : report.id)}>
              {open === report.id ? t('admin.reports.hide') : t('admin.reports.open', { offender: report.offender })}
            </button>
            {open === report.id && (
              <ReportDetails
                admin={admin}
                id={report.id}
                onChanged={(text) => {
                  setDone(text);
                  void load();
                }}
              />
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function ReportDetails({ admin, id, onChanged }: { admin: Admin; id: string; onChanged(done: string): void }) {
  const { t, i18n } = useTranslation();
  const [report, setReport] = useState<AdminReportDetails | null>(null);
  const [note, setNote] = useState('');
  const task = useAdminTask();
  const { run } = task;
  const noteId = useId();

  const load = useCallback(async () => {
    setReport((await run(() => admin.report(id))) ?? null);
  }, [admin, id, run]);
  useEffect(() => {
    void load();
  }, [load]);

  if (!report) return <TaskMessage message={task.message} />;
  const account = report.account;
  const domain = report.offender.includes('@') ? report.offender.split('@')[1]!.split('/')[0]! : report.offender;
  /** Does something about the report and closes it as resolved; the tab says what was done. */
  const act = async (action: () => Promise<void>, done: string, resolution: string) => {
    const ok = await task.run(async () => {
      await action();
      await admin.closeReport(report.id, 'resolved', note || resolution);
      return true;
    });
    if (ok) onChanged(done);
  };
  const close = async (status: 'resolved' | 'dismissed', done: string) => {
    if (await task.run(async () => (await admin.closeReport(report.id, status, note), true))) onChanged(done);
  };
  return (
    <div className="report-details">
      <dl>
        <dt>{t('admin.reports.from')}</dt>
        <dd>{report.fromOtherServer ? t('admin.reports.fromServer', { server: report.reporter }) : report.reporter}</dd>
        {account && (
          <>
            <dt>{t('admin.reports.account')}</dt>
            <dd>
              {account}
              {report.accountState && ` (${t(`admin.users.state.${report.accountState}`)})`}
            </dd>
          </>
        )}
        <dt>{t('admin.reports.others')}</dt>
        <dd>{report.otherReports}</dd>
        {report.resolution && (
          <>
            <dt>{t('admin.reports.resolution')}</dt>
            <dd>{report.resolution}</dd>
          </>
        )}
      </dl>
      {report.evidence.length > 0 && (
        <section aria-label={t('admin.reports.messages')}>
          <h4>{t('admin.reports.messages')}</h4>
          <ul className="plain">
            {report.evidence.map((message) => (
              <li key={message.id} className="evidence">
                <span className="muted">
                  {message.at ? message.at.toLocaleString(i18n.language, { dateStyle: 'short', timeStyle: 'short' }) : ''} {message.from}
                </span>
                <p>{message.body}</p>
              </li>
            ))}
          </ul>
        </section>
      )}
      {report.status === 'open' && (
        <>
          <div className="field">
            <label htmlFor={noteId}>{t('admin.reports.note')}</label>
            <input id={noteId} value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} />
          </div>
          <div className="buttons">
            {account && report.accountState === 'active' && (
              <button type="button" className="danger" disabled={task.busy} onClick={() => void act(() => admin.suspend(account, note || report.reason, false), t('admin.users.suspended', { jid: account }), 'suspended')}>
                {t('admin.reports.suspend', { jid: account })}
              </button>
            )}
            {(report.kind === 'remote' || report.kind === 'domain') && (
              <button type="button" className="danger" disabled={task.busy} onClick={() => void act(() => admin.block([domain]), t('admin.federation.blocked', { domain }), `blocked ${domain}`)}>
                {t('admin.reports.blockDomain', { domain })}
              </button>
            )}
            {(report.kind === 'room' || report.kind === 'occupant') && (
              <button type="button" className="danger" disabled={task.busy} onClick={() => void act(() => admin.setRoomClosed(report.offender.split('/')[0]!, true), t('admin.rooms.closedDone'), 'room closed')}>
                {t('admin.reports.closeRoom')}
              </button>
            )}
            <button type="button" disabled={task.busy} onClick={() => void close('resolved', t('admin.reports.resolvedDone'))}>
              {t('admin.reports.resolve')}
            </button>
            <button type="button" disabled={task.busy} onClick={() => void close('dismissed', t('admin.reports.dismissedDone'))}>
              {t('admin.reports.dismiss')}
            </button>
          </div>
        </>
      )}
      <TaskMessage message={task.message} />
    </div>
  );
}
