import { buildDataForm, formRows, formValue, formValues, parseDataForm, type DataForm } from '@conexizan/protocol/dataforms';
import { NS } from '@conexizan/protocol/namespaces';
import { xml, type Element } from '@conexizan/protocol/xml';
import type { Connection } from './client.ts';

/**
 * The admin area's side of the session: the operators' ad-hoc commands
 * (XEP-0050, XEP-0133 and Conexizan's own) on our server, exactly as any
 * other admin client runs them. The server decides who may: this class
 * only asks which commands it lists for us (an admin sees them, nobody
 * else does) and runs them; every action is checked again there. Loaded on
 * demand (session.loadAdmin()), so ordinary users never download it.
 */
const ADMIN = (name: string) => `${NS.ADMIN}#${name}`;
const OURS = (name: string) => `https://conexizan.org/commands#${name}`;

/** The server refused a command, or the command said what went wrong (its note). */
export class AdminCommandError extends Error {
  override name = 'AdminCommandError';
  constructor(message: string, readonly condition?: string) {
    super(message);
  }
}

export interface AdminUser {
  jid: string;
  suspended: boolean;
  reason: string;
  sessions: number;
}

export interface SuspendedUser {
  jid: string;
  since: Date;
  reason: string;
}

export type ReportStatus = 'open' | 'resolved' | 'dismissed';

export interface AdminReport {
  id: string;
  created: Date;
  reporter: string;
  offender: string;
  /** what the reported address is: an account of ours, an occupant or a room of our group chat service, another server's account, a domain */
  kind: 'account' | 'occupant' | 'room' | 'remote' | 'domain';
  reason: string;
  text: string;
  messages: number;
  status: ReportStatus;
}

export interface AdminReportDetails extends AdminReport {
  fromOtherServer: boolean;
  /** the account of ours behind it (an occupant's, when known) */
  account: string | null;
  accountState: 'active' | 'suspended' | 'deleted' | null;
  resolution: string | null;
  otherReports: number;
  /** the reported messages as far as the server could read them */
  evidence: { id: string; at: Date | null; from: string; body: string }[];
}

export interface FederationLists {
  blocked: string[];
  allowed: string[];
  source: string;
}

export interface AdminRoom {
  jid: string;
  /** "3 in the room, persistent, public, open[, closed]" */
  summary: string;
  closed: boolean;
}

export interface AuditEntry {
  id: number;
  at: Date;
  actor: string;
  action: string;
  target: string;
  detail: string;
}

export interface AdminInvitation {
  uri: string;
  page: string | null;
  expires: Date;
}

type Fields = Record<string, string | string[]>;

export class Admin {
  private constructor(private readonly connection: Connection, private readonly domain: string) {}

  /** The admin API if our server lists its admin commands to us, else null (we are not an operator). */
  static async open(connection: Connection, domain: string): Promise<Admin | null> {
    const items = await connection.iq('get', xml('query', { xmlns: NS.DISCO_ITEMS, node: NS.COMMANDS }), domain);
    const nodes = new Set(items.getChild('query', NS.DISCO_ITEMS)?.getChildren('item').map((item) => item.attrs.node) ?? []);
    return nodes.has(ADMIN('disable-user')) ? new Admin(connection, domain) : null;
  }

  /** Runs a command: its first stage, then (when it asks for a form) the form filled with `fields`. */
  async run(node: string, fields: Fields = {}): Promise<DataForm | null> {
    const first = await this.#command(node, { action: 'execute' });
    let last = first;
    if (first.attrs.status === 'executing') {
      const x = first.getChild('x', NS.DATA_FORMS);
      const formType = x ? formValue(parseDataForm(x), 'FORM_TYPE') : undefined;
      const submitted = buildDataForm({
        type: 'submit',
        fields: [
          ...(formType ? [{ var: 'FORM_TYPE', type: 'hidden', values: [formType] }] : []),
          ...Object.entries(fields).map(([name, value]) => ({ var: name, values: Array.isArray(value) ? value : [value] })),
        ],
      });
      last = await this.#command(node, { action: 'complete', sessionid: first.attrs.sessionid ?? '' }, submitted);
    }
    const error = last.getChildren('note').find((note) => note.attrs.type === 'error');
    if (error) throw new AdminCommandError(error.getText());
    const x = last.getChild('x', NS.DATA_FORMS);
    return x ? parseDataForm(x) : null;
  }

  async #command(node: string, attrs: Record<string, string>, form?: Element): Promise<Element> {
    try {
      const reply = await this.connection.iq('set', xml('command', { xmlns: NS.COMMANDS, node, ...attrs }, form), this.domain);
      return reply.getChild('command', NS.COMMANDS)!;
    } catch (error) {
      const { condition, text } = error as { condition?: string; text?: string };
      throw new AdminCommandError(text || condition || (error as Error).message, condition);
    }
  }

  async findUsers(query: string): Promise<AdminUser[]> {
    const form = await this.run(OURS('find-users'), { query });
    return rows(form).map((row) => ({ jid: one(row, 'jid'), suspended: one(row, 'suspended') === '1', reason: one(row, 'reason'), sessions: Number(one(row, 'sessions')) }));
  }

  async suspended(): Promise<SuspendedUser[]> {
    const form = await this.run(ADMIN('get-disabled-users-list'), { max_items: 'none' });
    return rows(form).map((row) => ({ jid: one(row, 'jid'), since: new Date(one(row, 'since')), reason: one(row, 'reason') }));
  }

  async suspend(jid: string, reason: string, tellUser: boolean): Promise<void> {
    await this.run(ADMIN('disable-user'), { accountjids: [jid], reason, notify: tellUser ? '1' : '0' });
  }

  async unsuspend(jid: string): Promise<void> {
    await this.run(ADMIN('reenable-user'), { accountjids: [jid] });
  }

  async deleteUser(jid: string): Promise<void> {
    await this.run(ADMIN('delete-user'), { accountjids: [jid] });
  }

  async resetPassword(jid: string, password: string): Promise<void> {
    await this.run(ADMIN('change-user-password'), { accountjid: jid, password });
  }

  async invite(days: number): Promise<AdminInvitation> {
    const form = await this.run(OURS('create-invitation'), { days: String(days) });
    return { uri: value(form, 'uri'), page: value(form, 'page') || null, expires: new Date(value(form, 'expires')) };
  }

  async reports(status: ReportStatus | 'all' = 'open'): Promise<AdminReport[]> {
    return rows(await this.run(OURS('reports-list'), { status })).map(reportOf);
  }

  async report(id: string): Promise<AdminReportDetails> {
    const form = await this.run(OURS('reports-show'), { id });
    const state = value(form, 'account-state');
    return {
      ...reportOf({ id: [value(form, 'id')], created: [value(form, 'created')], reporter: [value(form, 'reporter')], offender: [value(form, 'offender')], kind: [value(form, 'kind')], reason: [value(form, 'reason')], text: [formValues(form!, 'text').join('\n')], messages: [String(rows(form).length)], status: [value(form, 'status')] }),
      fromOtherServer: value(form, 'origin') === 'another server',
      account: value(form, 'account') || null,
      accountState: state === 'active' || state === 'suspended' || state === 'deleted' ? state : null,
      resolution: value(form, 'resolution') || null,
      otherReports: Number(value(form, 'other-reports') || 0),
      evidence: rows(form).map((row) => ({ id: one(row, 'id'), at: one(row, 'at') ? new Date(one(row, 'at')) : null, from: one(row, 'from'), body: one(row, 'body') })),
    };
  }

  async closeReport(id: string, status: 'resolved' | 'dismissed', resolution: string): Promise<void> {
    await this.run(OURS('reports-close'), { id, status, resolution });
  }

  async federation(): Promise<FederationLists> {
    const form = await this.run(OURS('federation-lists'));
    return { blocked: formValues(form!, 'blocked'), allowed: formValues(form!, 'allowed'), source: value(form, 'source') };
  }

  async block(domains: string[]): Promise<void> {
    await this.run(OURS('federation-block'), { domains });
  }

  async unblock(domains: string[]): Promise<void> {
    await this.run(OURS('federation-unblock'), { domains });
  }

  async setAllowList(domains: string[]): Promise<void> {
    await this.run(OURS('federation-allow-list'), { domains });
  }

  async rooms(): Promise<AdminRoom[]> {
    const form = await this.run(OURS('muc-list-rooms'));
    return formValues(form!, 'rooms').map((line) => {
      const [jid = '', summary = ''] = line.split(/: (.*)/s);
      return { jid, summary, closed: /\bclosed\b/.test(summary) };
    });
  }

  async setRoomClosed(room: string, closed: boolean): Promise<void> {
    await this.run(OURS('muc-close-room'), { room, closed: closed ? '1' : '0' });
  }

  async destroyRoom(room: string, reason: string): Promise<void> {
    await this.run(OURS('muc-destroy-room'), { room, reason, alternate: '' });
  }

  async announce(subject: string, text: string, everyone: boolean): Promise<void> {
    await this.run(everyone ? OURS('announce-all') : ADMIN('announce'), { subject, announcement: text.split('\n') });
  }

  async setMotd(text: string): Promise<void> {
    await this.run(ADMIN('set-motd'), { motd: text.split('\n') });
  }

  async deleteMotd(): Promise<void> {
    await this.run(ADMIN('delete-motd'));
  }

  async audit(before?: number): Promise<AuditEntry[]> {
    const form = await this.run(OURS('audit-log'), { before: before === undefined ? '' : String(before) });
    return rows(form).map((row) => ({ id: Number(one(row, 'id')), at: new Date(one(row, 'at')), actor: one(row, 'actor'), action: one(row, 'action'), target: one(row, 'target'), detail: one(row, 'detail') }));
  }
}

function rows(form: DataForm | null): Record<string, string[]>[] {
  return form ? formRows(form) : [];
}

function one(row: Record<string, string[]>, name: string): string {
  return row[name]?.join('\n') ?? '';
}

function value(form: DataForm | null, name: string): string {
  return form ? (formValue(form, name) ?? '') : '';
}

function reportOf(row: Record<string, string[]>): AdminReport {
  const kind = one(row, 'kind');
  const status = one(row, 'status');
  return {
    id: one(row, 'id'),
    created: new Date(one(row, 'created')),
    reporter: one(row, 'reporter'),
    offender: one(row, 'offender'),
    kind: (['account', 'occupant', 'room', 'remote', 'domain'].includes(kind) ? kind : 'remote') as AdminReport['kind'],
    reason: one(row, 'reason'),
    text: one(row, 'text'),
    messages: Number(one(row, 'messages') || 0),
    status: (['open', 'resolved', 'dismissed'].includes(status) ? status : 'open') as ReportStatus,
  };
}
