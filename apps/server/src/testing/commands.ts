import { buildDataForm, NS, parseDataForm, xml, type DataForm, type Element } from '@conexizan/protocol';
import type { TestSession } from './harness.ts';

/** How an ad-hoc command (XEP-0050) answered a test session: an error, or its last stage. */
export interface CommandAnswer {
  /** the stanza error condition, when the server refused */
  error: string | null;
  status: string | null;
  sessionId: string | null;
  notes: { type: string; text: string }[];
  form: DataForm | null;
}

function answerOf(reply: Element): CommandAnswer {
  if (reply.attrs.type === 'error') {
    const condition = reply.getChild('error')?.getChildElements().find((child) => child.attrs.xmlns === NS.STANZAS_ERR)?.name ?? 'undefined-condition';
    return { error: condition, status: null, sessionId: null, notes: [], form: null };
  }
  const command = reply.getChild('command', NS.COMMANDS)!;
  const x = command.getChild('x', NS.DATA_FORMS);
  return {
    error: null,
    status: command.attrs.status ?? null,
    sessionId: command.attrs.sessionid ?? null,
    notes: command.getChildren('note').map((note) => ({ type: note.attrs.type ?? 'info', text: note.getText() })),
    form: x ? parseDataForm(x) : null,
  };
}

/**
 * Runs a command on the domain as a client would: execute, then (if it asks
 * for a form) complete it with `fields`, the form's FORM_TYPE kept. A
 * refusal at any stage is returned, not thrown.
 */
export async function runCommand(session: TestSession, node: string, fields?: Record<string, string | string[]>): Promise<CommandAnswer> {
  const command = (attrs: Record<string, string>, form?: DataForm) =>
    session.query(xml('iq', { type: 'set', to: 'localhost' }, xml('command', { xmlns: NS.COMMANDS, node, ...attrs }, form ? buildDataForm(form) : undefined)));
  const first = answerOf(await command({ action: 'execute' }));
  if (first.error || first.status !== 'executing' || !first.form) return first;
  const formType = first.form.fields.find((field) => field.var === 'FORM_TYPE');
  const submitted: DataForm = {
    type: 'submit',
    fields: [...(formType ? [formType] : []), ...Object.entries(fields ?? {}).map(([name, value]) => ({ var: name, values: Array.isArray(value) ? value : [value] }))],
  };
  return answerOf(await command({ action: 'complete', sessionid: first.sessionId! }, submitted));
}
