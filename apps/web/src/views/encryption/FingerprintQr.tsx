import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * The xmpp: URI Conversations scans to verify keys:
 * xmpp:jid?omemo-sid-<device id>=<fingerprint hex>;… (no key material beyond public fingerprints).
 */
export function fingerprintUri(jid: string, devices: { deviceId: number; fingerprint: string }[]): string {
  const query = devices.map((d) => `omemo-sid-${d.deviceId}=${d.fingerprint.replace(/\s+/g, '')}`).join(';');
  return `xmpp:${jid}${query ? `?${query}` : ''}`;
}

export function FingerprintQr({ jid, devices }: { jid: string; devices: { deviceId: number; fingerprint: string }[] }) {
  const { t } = useTranslation();
  const [src, setSrc] = useState<string | null>(null);
  const uri = fingerprintUri(jid, devices);
  useEffect(() => {
    let live = true;
    // Loaded on demand, like the address QR code: most sessions never show one.
    import('qrcode')
      .then(({ default: QRCode }) => QRCode.toDataURL(uri, { margin: 1, width: 200 }))
      .then((url) => live && setSrc(url))
      .catch(() => live && setSrc(null));
    return () => {
      live = false;
    };
  }, [uri]);
  return src ? <img className="qr" src={src} width={200} height={200} alt={t('encryption.qrAlt', { jid })} /> : null;
}
