import type { IncomingMessage, ServerResponse } from 'node:http';
import { StanzaError, type DataForm } from '@conexizan/protocol';
import type { ServerCore } from '../core/core.ts';
import { send } from './http-server.ts';
import { isLocal, tokenMatches } from './operations.ts';

/**
 * The control channel: how `conexizan` commands act on the running server
 * (suspend, announce, lock a room, import an account…) instead of only on
 * the database. Requests come from this machine only (a loopback address,
 * or the listener's own), over the plain HTTP listener, with the control
 * token the server keeps in data_dir/secrets/control (the one `conexizan
 * drain` uses), so whoever may read the data directory (and the database)
 * may ask, and nobody else.
 *
 *   POST /control/command  {"node": "...", "fields": {"name": ["value"]}}
 *       runs an ad-hoc command (XEP-0050) as the local operator
 *       (operators/api.ts): exactly the commands, checks and audit log the
 *       admins' XMPP clients and the web admin area use.
 *   GET  /control/export?user=NAME      an account as XEP-0227 XML
 *   POST /control/import?as=NAME&from=JID   (body: XEP-0227 XML) imports one
 *
 * Answers are JSON: {notes, form} for a command, {error, text} for a refusal.
 */
export const CONTROL_PREFIX = '/control/';
const MAX_COMMAND_BYTES = 1_048_576;

export interface ControlOptions {
  /** hex of the token in data_dir/secrets/control, compared in constant time */
  token: string;
}

/** The JSON a command answers with. */
export interface ControlCommandAnswer {
  notes: { type: string; text: string }[];
  form: DataForm | null;
}

export async function handleControl(core: ServerCore, req: IncomingMessage, res: ServerResponse, url: URL, client: string | undefined, control: ControlOptions): Promise<boolean> {
  if (!url.pathname.startsWith(CONTROL_PREFIX)) return false;
  if (!isLocal(req, client) || !tokenMatches(control.token, req)) {
    sendJson(res, 403, { error: 'forbidden', text: 'the control channel needs a local client with the control token' });
    return true;
  }
  const action = url.pathname.slice(CONTROL_PREFIX.length);
  try {
    if (action === 'command' && req.method === 'POST') {
      const { node, fields } = parseCommand(await readBody(req, MAX_COMMAND_BYTES));
      const adhoc = core.services.find('adhoc');
      const operators = core.services.find('operators');
      if (!adhoc || !operators) throw new StanzaError('service-unavailable', { type: 'cancel', text: 'this server runs without operator commands' });
      const outcome = await adhoc.run(operators.localOperator, node, fields);
      sendJson(res, 200, outcome satisfies ControlCommandAnswer);
      return true;
    }
    if (action === 'export' && req.method === 'GET') {
      const transfer = core.services.find('transfer');
      if (!transfer) throw new StanzaError('service-unavailable', { type: 'cancel', text: 'account export is not available' });
      const document = await transfer.exportAccount(url.searchParams.get('user') ?? '');
      res.writeHead(200, { 'content-type': 'application/xml; charset=utf-8', 'x-content-type-options': 'nosniff' });
      res.end(document);
      return true;
    }
    if (action === 'import' && req.method === 'POST') {
      const transfer = core.services.find('transfer');
      if (!transfer) throw new StanzaError('service-unavailable', { type: 'cancel', text: 'account import is not available' });
      const body = await readBody(req, transfer.maxImportBytes);
      const summary = await transfer.importAccount(body, {
        ...(url.searchParams.get('as') ? { as: url.searchParams.get('as')! } : {}),
        ...(url.searchParams.get('from') ? { expectFrom: url.searchParams.get('from')! } : {}),
        announceMove: url.searchParams.get('announce') !== '0',
        actor: core.services.find('operators')?.localOperator ?? null,
      });
      sendJson(res, 200, summary);
      return true;
    }
    sendJson(res, 404, { error: 'item-not-found', text: `no such control request: ${req.method} ${url.pathname}` });
  } catch (error) {
    if (error instanceof StanzaError) sendJson(res, error.condition === 'forbidden' ? 403 : 400, { error: error.condition, text: error.text ?? error.condition });
    else if (error instanceof BodyTooLarge) sendJson(res, 413, { error: 'policy-violation', text: error.message });
    else throw error;
  }
  return true;
}

function parseCommand(body: string): { node: string; fields: Record<string, string[]> } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new StanzaError('bad-request', { type: 'modify', text: 'the request is not JSON' });
  }
  const { node, fields = {} } = (parsed ?? {}) as { node?: unknown; fields?: unknown };
  const valid =
    typeof node === 'string' &&
    typeof fields === 'object' &&
    fields !== null &&
    Object.values(fields).every((values) => Array.isArray(values) && values.every((value) => typeof value === 'string'));
  if (!valid) throw new StanzaError('bad-request', { type: 'modify', text: 'expected {"node": string, "fields": {name: [string]}}' });
  return { node, fields: fields as Record<string, string[]> };
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw new BodyTooLarge(`the request is larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json', `${JSON.stringify(body)}\n`);
}
