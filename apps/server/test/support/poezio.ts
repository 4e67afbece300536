import { chown, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Terminal } from './terminal.ts';

/**
 * poezio 0.14 (Debian's console client, slixmpp 1.8.3 inside) in a terminal
 * of its own. It refuses to run as root, so it runs as `nobody` (setpriv)
 * in a directory of its own that holds its config, logs and a copy of the
 * server's certificate: `ca_cert_path` is what makes slixmpp accept it
 * (`ignore_certificate` does not). The config file survives a restart, as
 * poezio writes to it (its certificate pin, its device id).
 */
const NOBODY = 65534;

export interface PoezioOptions {
  /** poezio's own directory; created and handed to nobody */
  dir: string;
  jid: string;
  password: string;
  port: number;
  /** the server's certificate (PEM) */
  certificate: string;
}

export class Poezio {
  private constructor(
    readonly dir: string,
    readonly terminal: Terminal,
  ) {}

  /** Starts poezio and waits until it has logged in. */
  static async start(options: PoezioOptions): Promise<Poezio> {
    const config = join(options.dir, 'poezio.cfg');
    if (!(await exists(config))) await prepare(options, config);
    const env = ['config', 'data', 'cache'].map((kind) => `XDG_${kind.toUpperCase()}_HOME=${join(options.dir, kind)}`).join(' ');
    const terminal = await Terminal.start(
      'poezio',
      `setpriv --reuid=${NOBODY} --regid=${NOBODY} --clear-groups env HOME=${options.dir} ${env} TERM=xterm-256color LANG=C.UTF-8 poezio -f ${config}`,
    );
    const poezio = new Poezio(options.dir, terminal);
    await terminal.waitForScreen(/Your JID is /, 'poezio to log in');
    return poezio;
  }

  /** `/quit`, and waits until poezio (and so its terminal) has ended. */
  async quit(): Promise<void> {
    try {
      await this.terminal.type('/quit');
      await this.terminal.waitForExit(15_000);
    } finally {
      await this.terminal.close();
    }
  }
}

async function prepare(options: PoezioOptions, config: string): Promise<void> {
  await mkdir(options.dir, { recursive: true });
  const ca = join(options.dir, 'server.crt');
  await copyFile(options.certificate, ca);
  await writeFile(
    config,
    [
      '[Poezio]',
      `jid = ${options.jid}`,
      `password = ${options.password}`,
      'custom_host = 127.0.0.1',
      `custom_port = ${options.port}`,
      `ca_cert_path = ${ca}`,
      'default_nick = poe',
      // room names in full in the tab list on the left
      'vertical_tab_list_size = 40',
      '',
    ].join('\n'),
  );
  for (const path of [options.dir, ca, config]) await chown(path, NOBODY, NOBODY);
}

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(
    () => true,
    () => false,
  );
}
