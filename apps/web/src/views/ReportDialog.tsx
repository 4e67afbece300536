import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ReportReason, Session } from '../session/index.ts';
import { Dialog } from './Dialog.tsx';
import { FormEnd } from './FormEnd.tsx';
import { actionProblem } from './problems.ts';

/** What is reported: an address (a contact, a room, an occupant) and, for a message, its archive id. */
export interface ReportTarget {
  /** bare JID of a contact or a room, or room@service/nick for someone in a room */
  jid: string;
  /** how the dialog names it */
  name: string;
  kind: 'contact' | 'message' | 'room' | 'roomMessage';
  /** the reported message, by the archive that holds our copy */
  message?: { id: string; by: string };
}

/**
 * "Report" (XEP-0377): a reason, what the user wants the operators to know,
 * and the reported message if any. Reporting blocks the address too (the
 * protocol carries the report in a block, so someone who reports no longer
 * reads the one they report); the dialog says so before anything is sent.
 */
export function ReportDialog({ session, target, onClose, onReported }: { session: Session; target: ReportTarget; onClose(): void; onReported?(): void }) {
  const { t, i18n } = useTranslation();
  const [reason, setReason] = useState<ReportReason>('spam');
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const name = useId();
  const textId = useId();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await session.contacts.report(target.jid, { reason, text, messages: target.message ? [target.message] : [] }, i18n.language);
      onReported?.();
      onClose();
    } catch (err) {
      setError((err as { condition?: string }).condition === 'resource-constraint' ? t('report.tooMany') : actionProblem(t, err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog title={t(`report.title.${target.kind}`, { name: target.name })} onClose={onClose}>
      <form onSubmit={(e) => void submit(e)}>
        <p>{t(`report.intro.${target.kind}`, { name: target.name })}</p>
        <fieldset>
          <legend>{t('report.reason')}</legend>
          {(['spam', 'abuse', 'other'] as const).map((value) => (
            <label key={value} className="choice">
              <input type="radio" name={name} value={value} checked={reason === value} onChange={() => setReason(value)} />
              {t(`report.reasons.${value}`)}
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor={textId}>{t('report.text')}</label>
          <textarea id={textId} value={text} onChange={(e) => setText(e.target.value)} maxLength={2000} rows={3} />
        </div>
        <p className="muted">{t('report.blocks', { name: target.name })}</p>
        <FormEnd error={error} submit={t('report.send')} cancel={t('chat.cancel')} onCancel={onClose} busy={busy} danger />
      </form>
    </Dialog>
  );
}
