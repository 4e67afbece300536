import { createInterface } from 'node:readline';

/**
 * Passwords come from standard input (one line, for scripts) or from a
 * prompt that does not echo, never from arguments: those end up in shell
 * history and in `ps` for every local user to read.
 */
export async function readPassword(prompt: string, confirm: boolean): Promise<string> {
  if (!process.stdin.isTTY) return readLine();
  const first = await promptHidden(prompt);
  if (confirm && (await promptHidden('Repeat it: ')) !== first) throw new Error('the passwords differ');
  return first;
}

async function readLine(): Promise<string> {
  const rl = createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    rl.close();
    return line.replace(/\r$/, '');
  }
  throw new Error('no password on standard input');
}

function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const output = rl as unknown as { _writeToOutput: (s: string) => void };
    process.stderr.write(prompt);
    output._writeToOutput = () => undefined; // no echo
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
    rl.on('SIGINT', () => reject(new Error('cancelled')));
  });
}
