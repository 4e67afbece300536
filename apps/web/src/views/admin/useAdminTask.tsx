import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { actionProblem } from '../problems.ts';

/**
 * One admin action at a time in a tab: while it runs its buttons are
 * disabled, then either a confirmation or the reason it failed shows. The
 * server's notes are for operators and shown as the server words them
 * (they name accounts and rooms); a refused request gets the app's sentence.
 */
export function useAdminTask() {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const run = useCallback(
    async <T,>(action: () => Promise<T>, done?: string): Promise<T | undefined> => {
      setBusy(true);
      setMessage(null);
      try {
        const result = await action();
        if (done) setMessage({ ok: true, text: done });
        return result;
      } catch (error) {
        const condition = (error as { condition?: string }).condition;
        setMessage({ ok: false, text: condition ? actionProblem(t, error) : (error as Error).message || actionProblem(t, error) });
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [t],
  );
  return { busy, message, run, clear: () => setMessage(null) };
}

export function TaskMessage({ message }: { message: { ok: boolean; text: string } | null }) {
  if (!message) return null;
  return message.ok ? (
    <p role="status" className="ok">
      {message.text}
    </p>
  ) : (
    <p role="alert" className="error">
      {message.text}
    </p>
  );
}
