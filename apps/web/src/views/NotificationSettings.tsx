import { useState } from 'react';
import { useTranslation } from 'react-i18next';

export function NotificationSettings() {
  const { t } = useTranslation();
  const supported = typeof Notification !== 'undefined';
  const [permission, setPermission] = useState(supported ? Notification.permission : 'denied');
  return (
    <section aria-labelledby="notify-title">
      <h3 id="notify-title">{t('settings.notificationsTitle')}</h3>
      {!supported ? (
        <p className="muted">{t('settings.notificationsUnsupported')}</p>
      ) : permission === 'granted' ? (
        <p role="status">{t('settings.notificationsOn')}</p>
      ) : permission === 'denied' ? (
        <p>{t('settings.notificationsDenied')}</p>
      ) : (
        <button type="button" onClick={() => void Notification.requestPermission().then(setPermission)}>
          {t('settings.enableNotifications')}
        </button>
      )}
    </section>
  );
}
