import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Session } from '../session/index.ts';
import { Dialog } from './Dialog.tsx';
import { FormEnd } from './FormEnd.tsx';
import { actionProblem } from './problems.ts';

export type ContactDialog = 'rename' | 'remove';

export function ContactDialogs({ which, session, peer, onClose, onRemoved }: { which: ContactDialog; session: Session; peer: string; onClose(): void; onRemoved(): void }) {
  const { t } = useTranslation();
  const [name, setName] = useState(session.roster.item(peer)?.name ?? '');
  const [error, setError] = useState<string | null>(null);
  const id = useId();

  async function run(action: () => Promise<void>, after: () => void) {
    try {
      await action();
      after();
    } catch (e) {
      setError(actionProblem(t, e));
    }
  }

  if (which === 'rename') {
    const submit = (e: FormEvent) => {
      e.preventDefault();
      void run(() => session.contacts.rename(peer, name), onClose);
    };
    return (
      <Dialog title={t('chat.renameTitle')} onClose={onClose}>
        <form onSubmit={submit}>
          <div className="field">
            <label htmlFor={id}>{t('chat.nickname')}</label>
            <input id={id} value={name} onChange={(e) => setName(e.target.value)} maxLength={200} />
          </div>
          <FormEnd error={error} submit={t('chat.save')} cancel={t('chat.cancel')} onCancel={onClose} />
        </form>
      </Dialog>
    );
  }
  return (
    <Dialog title={t('chat.removeTitle')} onClose={onClose} alert>
      <p>{t('chat.removeText', { name: session.roster.displayName(peer) })}</p>
      {error && <p role="alert" className="error">{error}</p>}
      <div className="buttons">
        <button
          type="button"
          className="danger"
          onClick={() =>
            void run(
              () => session.contacts.remove(peer),
              () => {
                onClose();
                onRemoved();
              },
            )
          }
        >
          {t('chat.removeConfirm')}
        </button>
        <button type="button" onClick={onClose}>
          {t('chat.cancel')}
        </button>
      </div>
    </Dialog>
  );
}
