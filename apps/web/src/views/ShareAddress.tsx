import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** Our address as text and as a QR code (an xmpp: URI, RFC 5122) that phone apps can scan to add us. */
export function ShareAddress({ jid }: { jid: string }) {
  const { t } = useTranslation();
  const [qr, setQr] = useState<string | null>(null);
  const uri = `xmpp:${jid}`;
  useEffect(() => {
    let cancelled = false;
    // Loaded only when Settings opens: most sessions never need it.
    void import('qrcode')
      .then((QRCode) => QRCode.toDataURL(uri, { margin: 1, width: 192, errorCorrectionLevel: 'M' }))
      .then((url) => !cancelled && setQr(url))
      .catch(() => {});
    return () => {
      cancelled = true;
    };
  }, [uri]);
  return (
    <section aria-labelledby="share-title">
      <h3 id="share-title">{t('settings.shareTitle')}</h3>
      <p>
        {t('settings.shareText')} <strong className="selectable">{jid}</strong>
      </p>
      {qr && <img src={qr} width={192} height={192} alt={t('settings.qrAlt', { uri })} className="qr" />}
    </section>
  );
}
