import type { ReactNode } from 'react';

/**
 * How every dialog's form ends: why the last try failed (read out at once,
 * role=alert), then its submit button and Cancel. One piece, so that each
 * dialog says its failures the same way to a screen reader.
 */
export function FormEnd({ error, errorId, status, submit, cancel, onCancel, busy, danger = false }: {
  error: string | null;
  /** for a field's aria-describedby */
  errorId?: string;
  /** what went well, between the error and the buttons */
  status?: ReactNode;
  submit: string;
  cancel: string;
  onCancel(): void;
  /** submit is disabled while the request runs */
  busy?: boolean;
  /** a destructive action (delete, report and block) */
  danger?: boolean;
}) {
  return (
    <>
      {error && (
        <p role="alert" className="error" id={errorId}>
          {error}
        </p>
      )}
      {status}
      <div className="buttons">
        <button type="submit" className={danger ? 'danger' : 'primary'} disabled={busy}>
          {submit}
        </button>
        <button type="button" onClick={onCancel}>
          {cancel}
        </button>
      </div>
    </>
  );
}
