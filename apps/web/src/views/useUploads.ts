import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Session } from '../session/session.ts';
import { MAX_UPLOAD_BYTES, UploadError, putFile, requestSlot } from '../session/upload.ts';
import { sealForUpload } from '../session/omemo/media.ts';

export interface UploadItem {
  id: string;
  name: string;
  progress: number;
  preview?: string;
  error?: string;
}

/** Files on their way (XEP-0363): slot, PUT with progress, then a message with the link. */
export function useUploads(session: Session, peer: string) {
  const { t } = useTranslation();
  const [items, setItems] = useState<UploadItem[]>([]);
  const controllers = useRef(new Map<string, AbortController>());

  useEffect(
    () => () => {
      for (const c of controllers.current.values()) c.abort();
    },
    [],
  );

  const patch = (id: string, change: Partial<UploadItem>) => setItems((list) => list.map((u) => (u.id === id ? { ...u, ...change } : u)));
  const dismiss = useCallback((id: string) => {
    setItems((list) => {
      const gone = list.find((u) => u.id === id);
      if (gone?.preview) URL.revokeObjectURL(gone.preview);
      return list.filter((u) => u.id !== id);
    });
  }, []);

  const start = useCallback(
    (files: File[]) => {
      for (const file of files) {
        const id = crypto.randomUUID();
        const controller = new AbortController();
        controllers.current.set(id, controller);
        const preview = file.type.startsWith('image/') && file.type !== 'image/svg+xml' ? URL.createObjectURL(file) : undefined;
        setItems((list) => [...list, { id, name: file.name, progress: 0, preview }]);
        void (async () => {
          try {
            if (file.size > MAX_UPLOAD_BYTES) throw new UploadError('too-large');
            // In an OMEMO chat the server gets only ciphertext (XEP-0454); the aesgcm:// link needs an https:// download URL.
            const sealed = session.omemo.peer(peer).mode === 'omemo' && globalThis.location?.protocol === 'https:' ? await sealForUpload(file) : null;
            const body = sealed?.blob ?? file;
            const slot = await requestSlot(session.connection, session.domain, { name: file.name, size: body.size, type: sealed ? 'application/octet-stream' : file.type });
            await putFile(slot, body, (p) => patch(id, { progress: p }), controller.signal);
            const url = sealed ? sealed.link(slot.get) : slot.get;
            await session.outbox.send(peer, url, { file: { url, name: file.name, mime: file.type, size: file.size } });
            dismiss(id);
          } catch (error) {
            if (controller.signal.aborted) return dismiss(id);
            const reason = error instanceof UploadError && error.reason === 'too-large' ? t('chat.uploadTooLarge') : error instanceof UploadError && error.reason === 'unavailable' ? t('chat.uploadUnavailable') : (error as Error).message;
            patch(id, { error: reason });
          } finally {
            controllers.current.delete(id);
          }
        })();
      }
    },
    [session, peer, t, dismiss],
  );

  const cancel = useCallback((id: string) => controllers.current.get(id)?.abort(), []);
  return { items, start, cancel, dismiss };
}
