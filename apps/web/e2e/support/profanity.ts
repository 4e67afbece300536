import { Profanity } from '../../../server/test/support/profanity.ts';

/**
 * profanity 0.13 (Debian: OMEMO through libsignal-protocol-c, OpenPGP for
 * XMPP through GPGME) as an end-to-end encryption peer of the web client:
 * the server tests' harness (a tmux server of its own, its own HOME),
 * logged in, with what the encryption tests type and wait for.
 */
export class ProfanityPeer {
  private constructor(private readonly profanity: Profanity) {}

  /** Starts profanity for an existing account and logs in (TLS with the test server's own certificate trusted). */
  static async start(options: { home: string; user: string; password: string; port: number }): Promise<ProfanityPeer> {
    const profanity = await Profanity.start(options);
    await profanity.connect();
    return new ProfanityPeer(profanity);
  }

  /** Types one line (a command or a message) into the current window. */
  type(line: string): Promise<void> {
    return this.profanity.terminal.type(line);
  }

  screen(): Promise<string> {
    return this.profanity.terminal.screen();
  }

  waitForScreen(pattern: RegExp, what: string, ms = 60_000): Promise<string> {
    return this.profanity.terminal.waitForScreen(pattern, what, ms);
  }

  /**
   * `/omemo start` in the open window until its title says [OMEMO]: right
   * after entering a group profanity may not yet know that the group is
   * members-only and non-anonymous, and refuses until it does.
   */
  async startOmemo(): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      await this.type('/omemo start');
      try {
        await this.waitForScreen(/\[OMEMO\]/, 'profanity to switch OMEMO on', 3000);
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
    }
  }

  /** Waits until profanity shows `text` as an OMEMO-encrypted message (its "~" mark, which it only puts on messages it decrypted). */
  async waitForEncrypted(text: string, what: string, ms = 60_000): Promise<void> {
    const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await this.waitForScreen(new RegExp(`~ [^:\\n]+: ${escaped}`), what, ms);
  }

  quit(): Promise<void> {
    return this.profanity.quit();
  }
}
