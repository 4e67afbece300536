import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Admin } from '../../session/index.ts';
import { TaskMessage, useAdminTask } from './useAdminTask.tsx';

/** An announcement (to everyone online, or to every account) and the message of the day. */
export function AnnounceTab({ admin }: { admin: Admin }) {
  const { t } = useTranslation();
  const [subject, setSubject] = useState('');
  const [text, setText] = useState('');
  const [everyone, setEveryone] = useState(false);
  const [motd, setMotd] = useState('');
  const task = useAdminTask();
  const id = useId();
  return (
    <>
      <section aria-labelledby={`${id}-title`}>
        <h3 id={`${id}-title`}>{t('admin.announce.title')}</h3>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void task.run(() => admin.announce(subject.trim() || t('admin.announce.defaultSubject'), text, everyone), t('admin.announce.sent')).then(() => setText(''));
          }}
        >
          <div className="field">
            <label htmlFor={`${id}-subject`}>{t('admin.announce.subject')}</label>
            <input id={`${id}-subject`} value={subject} onChange={(e) => setSubject(e.target.value)} maxLength={200} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-text`}>{t('admin.announce.text')}</label>
            <textarea id={`${id}-text`} value={text} onChange={(e) => setText(e.target.value)} rows={4} maxLength={10000} />
          </div>
          <label className="choice">
            <input type="radio" name={`${id}-to`} checked={!everyone} onChange={() => setEveryone(false)} />
            {t('admin.announce.online')}
          </label>
          <label className="choice">
            <input type="radio" name={`${id}-to`} checked={everyone} onChange={() => setEveryone(true)} />
            {t('admin.announce.everyone')}
          </label>
          <button type="submit" className="primary" disabled={task.busy || !text.trim()}>
            {t('admin.announce.send')}
          </button>
        </form>
      </section>
      <section aria-labelledby={`${id}-motd-title`}>
        <h3 id={`${id}-motd-title`}>{t('admin.motd.title')}</h3>
        <p className="muted">{t('admin.motd.hint')}</p>
        <div className="field">
          <label htmlFor={`${id}-motd`}>{t('admin.motd.text')}</label>
          <textarea id={`${id}-motd`} value={motd} onChange={(e) => setMotd(e.target.value)} rows={3} maxLength={10000} />
        </div>
        <div className="buttons">
          <button type="button" disabled={task.busy || !motd.trim()} onClick={() => void task.run(() => admin.setMotd(motd), t('admin.motd.set'))}>
            {t('admin.motd.save')}
          </button>
          <button type="button" className="danger" disabled={task.busy} onClick={() => void task.run(() => admin.deleteMotd(), t('admin.motd.deleted'))}>
            {t('admin.motd.delete')}
          </button>
        </div>
      </section>
      <TaskMessage message={task.message} />
    </>
  );
}
