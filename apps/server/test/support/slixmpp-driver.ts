import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseXml, type Element } from '@conexizan/protocol';
import { onJsonLines, SYSTEM_PYTHON, slixmppProblem } from './python.ts';
import { Inbox, withTimeout } from './wait.ts';

/**
 * slixmpp clients in one long-lived Python process (test/cluster/slixmpp/driver.py),
 * told what to do command by command, so that a test can interleave them with
 * @xmpp/client sessions: what each client receives comes back as events.
 */
const SCRIPT = fileURLToPath(new URL('../cluster/slixmpp/driver.py', import.meta.url));
const WAIT_MS = 30_000;

export interface SlixmppEvent {
  event: 'stanza' | 'carbon' | 'closed';
  client: string;
  /** the stanza (for 'carbon': the forwarded message inside the carbon) */
  element?: Element;
  direction?: 'sent' | 'received';
  stream_error?: string | null;
}

export class SlixmppDriver {
  readonly events = new Inbox<SlixmppEvent>((e) => `${e.client} ${e.event} ${e.direction ?? ''} ${e.element?.toString().slice(0, 300) ?? ''}`);
  stderr = '';
  #nextId = 1;
  readonly #replies = new Map<number, (reply: Record<string, unknown>) => void>();

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {}

  static async start(): Promise<SlixmppDriver> {
    const problem = slixmppProblem();
    if (problem) throw new Error(problem);
    const child = spawn(SYSTEM_PYTHON, ['-u', SCRIPT], { env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    const driver = new SlixmppDriver(child);
    let ready!: () => void;
    const started = new Promise<void>((resolve) => (ready = resolve));
    onJsonLines(child.stdout, (message) => {
      if (message.step === 'ready') ready();
      else if (typeof message.reply === 'number') driver.#replies.get(message.reply)?.(message);
      else if (typeof message.event === 'string') {
        driver.events.push({
          event: message.event as SlixmppEvent['event'],
          client: String(message.client),
          element: typeof message.xml === 'string' ? parseXml(message.xml) : undefined,
          direction: message.direction as SlixmppEvent['direction'],
          stream_error: message.stream_error as string | null | undefined,
        });
      }
    });
    child.stderr.setEncoding('utf8').on('data', (data: string) => (driver.stderr = (driver.stderr + data).slice(-5000)));
    child.on('close', () => driver.events.close(`the slixmpp driver exited; stderr:\n${driver.stderr}`));
    await withTimeout(started, WAIT_MS, 'the slixmpp driver to start');
    return driver;
  }

  /** Runs one command; rejects with slixmpp's error if it failed. */
  async command(op: string, fields: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const reply = await this.try(op, fields);
    if (!reply.ok) throw new Error(`slixmpp ${op} failed: ${String(reply.error)}\n${String(reply.trace ?? '')}`);
    return reply;
  }

  /** Runs one command and returns its reply, failed or not. */
  try(op: string, fields: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    const reply = new Promise<Record<string, unknown>>((resolve) => this.#replies.set(id, resolve));
    this.child.stdin.write(`${JSON.stringify({ id, op, ...fields })}\n`);
    return withTimeout(reply, 2 * WAIT_MS, `slixmpp to answer ${op}`).finally(() => this.#replies.delete(id));
  }

  /** The first stanza `client` received that matches (already there or still to come). */
  async stanza(client: string, predicate: (element: Element) => boolean, what: string, ms = WAIT_MS): Promise<Element> {
    const event = await this.events.waitFor((e) => e.client === client && e.event === 'stanza' && predicate(e.element!), `${client}: ${what}`, ms);
    return event.element!;
  }

  async carbon(client: string, direction: 'sent' | 'received', predicate: (element: Element) => boolean, what: string): Promise<Element> {
    const event = await this.events.waitFor((e) => e.client === client && e.event === 'carbon' && e.direction === direction && predicate(e.element!), `${client}: ${what}`, WAIT_MS);
    return event.element!;
  }

  async quit(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const closed = new Promise<void>((resolve) => this.child.on('close', () => resolve()));
    this.child.stdin.write(`${JSON.stringify({ op: 'quit' })}\n`);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await closed;
    clearTimeout(timer);
  }
}
