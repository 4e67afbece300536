import { randomBytes } from 'node:crypto';
import { buildDataForm, NS, parseDataForm, StanzaError, xml, type DataForm, type Element, type Jid } from '@conexizan/protocol';
import type { ServerCore } from '../../core/core.ts';
import type { ServerModule } from '../../core/module.ts';
import type { AdHoc, AdHocCommand, CommandOutcome, CommandResponse } from './api.ts';
// Its services and events (api.ts), so that whatever compiles the module list sees them typed.
export type * from './api.ts';

/**
 * XEP-0050 Ad-Hoc Commands on the server's domain: the frame for commands
 * other modules register through the 'adhoc' service (api.ts), such as the
 * XEP-0133 admin commands. Commands are listed to those who may run them
 * (disco#items on the commands node), each command node answers disco#info,
 * and a multi-stage command keeps its state in a session (sessionid) bound
 * to the requester's full JID until it completes, is canceled or expires.
 * Submitted forms are never logged: they may carry passwords.
 */

export type CommandAction = 'execute' | 'next' | 'prev' | 'complete' | 'cancel';
const ACTIONS: readonly string[] = ['execute', 'next', 'prev', 'complete', 'cancel'];

interface Session {
  command: AdHocCommand;
  requester: string;
  stage: number;
  state: Record<string, unknown>;
  /** the actions the last stage offered */
  offered: Set<string>;
  defaultAction: 'next' | 'complete';
  expiresAt: number;
}

export const SESSION_TIMEOUT_MS = 10 * 60_000;
const MAX_SESSIONS = 1000;
/** AdHoc.run gives up on a command that keeps asking for forms. */
const MAX_RUN_STAGES = 5;

export class CommandRegistry implements AdHoc {
  readonly #commands = new Map<string, AdHocCommand>();
  readonly #sessions = new Map<string, Session>();

  constructor(
    private readonly core: ServerCore,
    private readonly now: () => number = () => Date.now(),
  ) {
    core.features.addNode(NS.COMMANDS, {
      items: (requester) => this.visibleTo(requester).map((command) => ({ jid: core.domain, node: command.node, name: command.name })),
    });
  }

  register(command: AdHocCommand): void {
    if (this.#commands.has(command.node)) throw new Error(`ad-hoc command ${command.node} is registered twice`);
    this.#commands.set(command.node, command);
    this.core.features.addNode(command.node, {
      info: (requester) =>
        command.allowed(requester)
          ? { identities: [{ category: 'automation', type: 'command-node', name: command.name }], features: [NS.COMMANDS, NS.DATA_FORMS] }
          : null,
    });
  }

  async run(requester: Jid, node: string, fields: Record<string, string[]>): Promise<CommandOutcome> {
    const command = this.#commands.get(node);
    if (!command) throw new StanzaError('item-not-found', { type: 'cancel', text: `no such command: ${node}` });
    const state: Record<string, unknown> = {};
    let response = await command.execute({ requester: this.#allowedOrThrow(command, requester), action: 'execute', form: null, stage: 0, state });
    for (let stage = 1; response.status === 'executing'; stage++) {
      if (stage > MAX_RUN_STAGES) throw new StanzaError('bad-request', { type: 'modify', text: `${node} asked for more than ${MAX_RUN_STAGES} forms` });
      const submitted: DataForm = {
        type: 'submit',
        fields: response.form.fields.filter((field) => field.var).map((field) => ({ var: field.var!, values: fields[field.var!] ?? field.values })),
      };
      const action = (response.actions?.length ? response.actions.at(-1)! : 'complete');
      response = await command.execute({ requester: this.#allowedOrThrow(command, requester), action, form: submitted, stage, state });
    }
    return { notes: response.notes ?? [], form: response.form ?? null };
  }

  #allowedOrThrow(command: AdHocCommand, requester: Jid): Jid {
    if (!command.allowed(requester)) throw new StanzaError('forbidden', { type: 'cancel', text: 'you may not run this command' });
    return requester;
  }

  visibleTo(requester: Jid): AdHocCommand[] {
    return [...this.#commands.values()].filter((command) => command.allowed(requester));
  }

  /** Answers one `<command/>` set by `requester`. */
  async handle(requester: Jid, payload: Element): Promise<Element> {
    const node = payload.attrs.node;
    const command = typeof node === 'string' ? this.#commands.get(node) : undefined;
    if (!command) throw new StanzaError('item-not-found', { type: 'cancel', text: 'no such command' });
    if (!command.allowed(requester)) throw new StanzaError('forbidden', { type: 'cancel', text: 'you may not run this command' });
    const action = payload.attrs.action ?? 'execute';
    if (!ACTIONS.includes(action)) throw commandError('bad-request', 'malformed-action', 'unknown action');
    const x = payload.getChild('x', NS.DATA_FORMS);
    const form = x ? parseDataForm(x) : null;
    const sessionId = payload.attrs.sessionid;

    if (!sessionId) {
      if (action !== 'execute') throw commandError('bad-request', 'bad-sessionid', `${action} needs the sessionid of a running command`);
      return this.#run(command, requester, this.#newSession(command, requester), 'execute', null, null);
    }
    const session = this.#sessions.get(sessionId);
    if (!session || session.requester !== requester.toString() || session.command !== command) {
      throw commandError('bad-request', 'bad-sessionid', 'no such session');
    }
    if (session.expiresAt <= this.now()) {
      this.#sessions.delete(sessionId);
      throw commandError('not-allowed', 'session-expired', 'the session has expired');
    }
    if (action === 'cancel' || form?.type === 'cancel') {
      this.#sessions.delete(sessionId);
      return xml('command', { xmlns: NS.COMMANDS, node: command.node, sessionid: sessionId, status: 'canceled' });
    }
    const chosen = action === 'execute' ? session.defaultAction : action;
    if (!session.offered.has(chosen)) throw commandError('bad-request', 'bad-action', `${chosen} is not possible at this stage`);
    if (!form || form.type !== 'submit') throw commandError('bad-request', 'bad-payload', 'submit the form of this stage');
    return this.#run(command, requester, session, chosen as 'next' | 'complete', form, sessionId);
  }

  async #run(command: AdHocCommand, requester: Jid, session: Session, action: 'execute' | 'next' | 'complete', form: DataForm | null, existingId: string | null): Promise<Element> {
    const sessionId = existingId ?? randomBytes(12).toString('base64url');
    let response: CommandResponse;
    try {
      response = await command.execute({ requester, action, form, stage: session.stage, state: session.state });
    } catch (error) {
      this.#sessions.delete(sessionId);
      throw error;
    }
    const reply = xml('command', { xmlns: NS.COMMANDS, node: command.node, sessionid: sessionId, status: response.status });
    if (response.status === 'executing') {
      const actions = response.actions?.length ? response.actions : ['complete' as const];
      session.stage++;
      session.offered = new Set(actions);
      session.defaultAction = actions.at(-1)!;
      session.expiresAt = this.now() + SESSION_TIMEOUT_MS;
      this.#store(sessionId, session);
      reply.append(xml('actions', { execute: session.defaultAction }, ...actions.map((name) => xml(name))));
    } else {
      this.#sessions.delete(sessionId);
    }
    for (const note of response.notes ?? []) reply.append(xml('note', { type: note.type }, note.text));
    if (response.form) reply.append(buildDataForm(response.form));
    return reply;
  }

  #newSession(command: AdHocCommand, requester: Jid): Session {
    return { command, requester: requester.toString(), stage: 0, state: {}, offered: new Set(), defaultAction: 'complete', expiresAt: 0 };
  }

  #store(sessionId: string, session: Session): void {
    if (!this.#sessions.has(sessionId)) {
      // Forget sessions expired long ago, then the oldest if there are still too many.
      const now = this.now();
      for (const [id, old] of this.#sessions) if (old.expiresAt + SESSION_TIMEOUT_MS <= now) this.#sessions.delete(id);
      while (this.#sessions.size >= MAX_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value!);
    }
    this.#sessions.set(sessionId, session);
  }
}

function commandError(condition: 'bad-request' | 'not-allowed', specific: string, text: string): StanzaError {
  return new StanzaError(condition, { type: condition === 'not-allowed' ? 'cancel' : 'modify', text, appCondition: xml(specific, { xmlns: NS.COMMANDS }) });
}

export const adhoc: ServerModule = {
  name: 'adhoc',
  implements: ['XEP-0050'],
  provides: ['adhoc'],
  setup(ctx) {
    const registry = new CommandRegistry(ctx);
    ctx.provide('adhoc', registry);
    ctx.features.addFeature('server', NS.COMMANDS);
    ctx.iq.on('set', 'host', NS.COMMANDS, 'command', ({ from, payload }) => registry.handle(from, payload));
  },
};
