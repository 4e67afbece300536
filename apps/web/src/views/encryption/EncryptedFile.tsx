import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { openEncryptedFile, type FileRef } from '../../session/index.ts';

const IMAGE = /\.(png|jpe?g|gif|webp|avif)$/i;

function location(link: string): { host: string; name: string; image: boolean } {
  try {
    const url = new URL(link.replace(/^aesgcm:/, 'https:'));
    const name = decodeURIComponent(url.pathname.split('/').pop() ?? '');
    return { host: url.hostname, name, image: IMAGE.test(url.pathname) };
  } catch {
    return { host: '', name: '', image: false };
  }
}

/**
 * A file sent with OMEMO (aesgcm:// link): downloaded and decrypted in the
 * browser. Pictures from our own server are shown at once (fetching from
 * elsewhere would tell that host when we read the chat); anything else on request.
 */
export function EncryptedFile({ file, domain }: { file: FileRef; domain: string }) {
  const { t } = useTranslation();
  const where = location(file.url);
  const name = file.name ?? where.name;
  const ours = where.host === domain || where.host.endsWith(`.${domain}`) || where.host === globalThis.location?.hostname;
  const [objectUrl, setObjectUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const open = async () => {
    setBusy(true);
    try {
      const blob = await openEncryptedFile(file.url, file.mime || (where.image ? `image/${where.name.split('.').pop()?.toLowerCase().replace('jpg', 'jpeg')}` : undefined));
      setObjectUrl(URL.createObjectURL(blob));
    } catch {
      setError(t('encryption.errors.bad-media'));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    if (where.image && ours) void open();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- an image opens once per file; open() is a new function on every render
  }, [file.url]);
  useEffect(() => () => void (objectUrl && URL.revokeObjectURL(objectUrl)), [objectUrl]);

  if (error) return <p className="body error">{error}</p>;
  if (objectUrl) {
    return (
      <p className="body">
        {where.image ? (
          <img className="preview" src={objectUrl} alt={t('chat.image', { name })} />
        ) : (
          <a href={objectUrl} download={name || 'file'}>
            {t('encryption.saveFile', { name: name || t('encryption.file') })}
          </a>
        )}
      </p>
    );
  }
  return (
    <p className="body">
      <button type="button" onClick={() => void open()} disabled={busy}>
        {busy ? t('encryption.fileOpening') : t('encryption.openFile', { name: name || t('encryption.file') })}
      </button>
    </p>
  );
}
