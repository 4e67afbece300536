import { useTranslation } from 'react-i18next';

/**
 * Floats over the bottom of a chat's log when a message arrived while the
 * reader was further up; takes them down to it.
 */
export function NewMessagesPill({ show, onClick }: { show: boolean; onClick(): void }) {
  const { t } = useTranslation();
  if (!show) return null;
  return (
    <div className="pill-anchor">
      <button type="button" className="new-messages" onClick={onClick}>
        {t('chat.newMessages')} <span aria-hidden="true">↓</span>
      </button>
    </div>
  );
}
