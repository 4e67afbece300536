import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Session } from '../session/index.ts';
import { uploadProblem } from './upload-problem.ts';

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
            // In an OMEMO chat the server gets only ciphertext (XEP-0454): the session layer decides.
            await session.sendFile(peer, file, { onProgress: (p) => patch(id, { progress: p }), signal: controller.signal });
            dismiss(id);
          } catch (error) {
            if (controller.signal.aborted) return dismiss(id);
            patch(id, { error: uploadProblem(t, error) });
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
