import type { DataForm, Jid } from '@conexizan/protocol';

/**
 * The ad-hoc command frame (XEP-0050) as other modules use it: they declare
 * `depends: ['adhoc']` and add their commands with
 * ctx.require('adhoc').register(…); the frame lists, runs and keeps the
 * sessions of every command.
 */
export interface AdHoc {
  /** Adds a command on the server's domain; a node can be registered once. */
  register(command: AdHocCommand): void;
  /**
   * Runs a command to its end as `requester` without an XMPP session: for
   * the command line, through the control channel or offline. Each form the
   * command asks for is submitted with `fields` (values by field name; a
   * field not named keeps the form's own value). The same checks as over
   * XMPP apply: an unknown node is item-not-found, a requester the command
   * does not allow is forbidden (StanzaError).
   */
  run(requester: Jid, node: string, fields: Record<string, string[]>): Promise<CommandOutcome>;
}

/** How a command run by AdHoc.run ended. */
export interface CommandOutcome {
  notes: CommandNote[];
  /** the result form, if the command gave one */
  form: DataForm | null;
}

export interface CommandNote {
  type: 'info' | 'warn' | 'error';
  text: string;
}

/** What a command returns for one stage. */
export type CommandResponse =
  | {
      status: 'executing';
      /** the form the requester fills in next */
      form: DataForm;
      /** what the requester may do next (cancel is always allowed); default: complete */
      actions?: ('next' | 'complete')[];
      notes?: CommandNote[];
    }
  | { status: 'completed'; form?: DataForm; notes?: CommandNote[] };

export interface CommandRequest {
  /** the full JID running the command */
  requester: Jid;
  /** 'execute' for the first stage; 'next' or 'complete' afterwards */
  action: 'execute' | 'next' | 'complete';
  /** the submitted form (type submit), or null on the first stage */
  form: DataForm | null;
  /** how many stages came before this one (0 on the first) */
  stage: number;
  /** kept between the stages of one session, for the command's own use */
  state: Record<string, unknown>;
}

export interface AdHocCommand {
  node: string;
  name: string;
  /** who may see and run it; checked on every stage */
  allowed(requester: Jid): boolean;
  /** throws a StanzaError to refuse; the session then ends */
  execute(request: CommandRequest): CommandResponse | Promise<CommandResponse>;
}

declare module '../../core/services.ts' {
  interface Services {
    adhoc: AdHoc;
  }
}
