import type { DataForm } from '@conexizan/protocol';
import { StanzaError } from '@conexizan/protocol';
import type { Config } from '../config/schema.ts';
import type { ControlCommandAnswer } from '../http/control.ts';
import { controlRequest } from './control-client.ts';
import { openOfflineServer } from './offline-server.ts';

/**
 * Runs an operator command (the same XEP-0050 commands the admins' clients
 * and the web admin area use) from the command line: on the running server
 * through the control channel, so that sessions end, contacts are told and
 * rooms close at once; or, when no server runs, on the stored data through
 * the server's own modules (offline-server.ts). Commands that only make
 * sense on a running server (announcing to whoever is online) say so.
 */
export interface OperatorAnswer {
  notes: { type: string; text: string }[];
  form: DataForm | null;
  /** where it ran */
  on: 'running server' | 'stored data';
}

export class CommandRefused extends Error {}

export async function operatorCommand(config: Config, node: string, fields: Record<string, string[]>, options: { needsRunningServer?: string } = {}): Promise<OperatorAnswer> {
  const response = await controlRequest(config, 'POST', '/control/command', JSON.stringify({ node, fields }));
  if (response) {
    const answer = JSON.parse(response.body) as ControlCommandAnswer & { error?: string; text?: string };
    if (response.status !== 200) throw new CommandRefused(answer.text ?? answer.error ?? `the server answered ${response.status}`);
    return { notes: answer.notes, form: answer.form, on: 'running server' };
  }
  if (options.needsRunningServer) throw new CommandRefused(`${options.needsRunningServer}, and no server is running with this configuration${config.ports.http ? '' : ' (or it cannot be reached: ports.http is 0)'}`);
  const server = await openOfflineServer(config);
  try {
    const adhoc = server.core.services.find('adhoc');
    const operators = server.core.services.find('operators');
    if (!adhoc || !operators) throw new CommandRefused('the operator commands are not loaded');
    const outcome = await adhoc.run(operators.localOperator, node, fields);
    return { ...outcome, on: 'stored data' };
  } catch (error) {
    if (error instanceof StanzaError) throw new CommandRefused(error.text ?? error.condition);
    throw error;
  } finally {
    await server.close();
  }
}

/** Prints what a command answered: notes (errors on standard error), then its form as lines. Returns the exit code. */
export function printAnswer(answer: Pick<OperatorAnswer, 'notes' | 'form'>, options: { table?: boolean } = {}): number {
  let failed = false;
  for (const note of answer.notes) {
    if (note.type === 'error') {
      failed = true;
      process.stderr.write(`conexizan: ${note.text}\n`);
    } else process.stdout.write(`${note.text}\n`);
  }
  const form = answer.form;
  if (form) {
    for (const field of form.fields) {
      if (field.var === 'FORM_TYPE' || field.type === 'hidden' || field.values.length === 0) continue;
      process.stdout.write(field.values.length === 1 ? `${field.label ?? field.var}: ${field.values[0]}\n` : `${field.label ?? field.var}:\n${field.values.map((value) => `  ${value}`).join('\n')}\n`);
    }
    if (form.reported && options.table !== false) {
      const columns = form.reported.map((column) => column.var!);
      process.stdout.write(`${form.reported.map((column) => column.label ?? column.var).join('\t')}\n`);
      for (const item of form.items ?? []) {
        process.stdout.write(`${columns.map((name) => (item.find((field) => field.var === name)?.values ?? []).join(' ').replace(/\s+/g, ' ')).join('\t')}\n`);
      }
    }
  }
  return failed ? 1 : 0;
}

/** `conexizan: text` on standard error, for a refused command; exit code 1. */
export function refused(error: unknown): number {
  if (!(error instanceof CommandRefused)) throw error;
  process.stderr.write(`conexizan: ${error.message}\n`);
  return 1;
}
