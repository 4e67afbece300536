import { useTranslation } from 'react-i18next';
import type { Session } from '../session/index.ts';

/** Announcements and the message of the day from our server, above the chats, until dismissed. */
export function Notices({ session }: { session: Session }) {
  const { t, i18n } = useTranslation();
  const notices = session.notices.notices;
  if (notices.length === 0) return null;
  return (
    <section className="notices" aria-label={t('notices.title')}>
      {notices.map((notice) => (
        <article key={notice.id} className="notice-item" aria-label={notice.subject || t('notices.fromServer')}>
          <h3>{notice.subject || t('notices.fromServer')}</h3>
          <p className="notice-body">{notice.body}</p>
          <p className="muted">{new Date(notice.at).toLocaleString(i18n.language, { dateStyle: 'short', timeStyle: 'short' })}</p>
          <button type="button" onClick={() => session.notices.dismiss(notice.id)} aria-label={t('notices.dismissOne', { subject: notice.subject || t('notices.fromServer') })}>
            {t('notices.dismiss')}
          </button>
        </article>
      ))}
    </section>
  );
}
