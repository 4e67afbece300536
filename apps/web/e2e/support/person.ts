import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { newPersistentPerson, newPerson, screenshot, type ScreenSize } from './browser.ts';
import { TEXT, type Lang } from './texts.ts';

/**
 * One person using the web client in a browser context of their own, driven
 * the way they would: by what controls are called, in their language.
 */
export class Person {
  readonly page: Page;
  readonly context: BrowserContext;
  readonly problems: string[];
  readonly size: ScreenSize;
  lang: Lang;

  private constructor(page: Page, context: BrowserContext, problems: string[], size: ScreenSize, lang: Lang) {
    this.page = page;
    this.context = context;
    this.problems = problems;
    this.size = size;
    this.lang = lang;
  }

  static async open(browser: Browser, url: string, options: { size?: ScreenSize; lang?: Lang; acceptSelfSigned?: boolean } = {}): Promise<Person> {
    const size = options.size ?? 'desktop';
    const lang = options.lang ?? 'en';
    return Person.#start(await newPerson(browser, { size, locale: lang === 'de' ? 'de-DE' : 'en-US', acceptSelfSigned: options.acceptSelfSigned ?? false }), url, size, lang);
  }

  /** Like open(), in a browser of its own whose profile (what it writes to disk) is kept in `profileDir`. */
  static async openPersistent(profileDir: string, url: string, options: { size?: ScreenSize; lang?: Lang; acceptSelfSigned?: boolean } = {}): Promise<Person> {
    const size = options.size ?? 'desktop';
    const lang = options.lang ?? 'en';
    return Person.#start(await newPersistentPerson(profileDir, { size, locale: lang === 'de' ? 'de-DE' : 'en-US', acceptSelfSigned: options.acceptSelfSigned ?? false }), url, size, lang);
  }

  static async #start({ context, page, problems }: { context: BrowserContext; page: Page; problems: string[] }, url: string, size: ScreenSize, lang: Lang): Promise<Person> {
    await page.goto(url);
    // The app has started once it shows its name; a busy machine may take a while to run the bundle.
    try {
      await page.getByRole('heading', { name: 'Conexizan', level: 1 }).or(page.getByRole('banner')).first().waitFor({ timeout: 60_000 });
    } catch (error) {
      await screenshot(page, `failure-open-${size}-${lang}-${Date.now()}`).catch(() => {});
      throw new Error(`the app did not start: ${(error as Error).message}\npage problems: ${problems.join('\n') || 'none'}`, { cause: error });
    }
    return new Person(page, context, problems, size, lang);
  }

  get t() {
    return TEXT[this.lang];
  }

  /** Registers from the login screen (accepting the rules) and waits until the app says it is online. */
  async register(username: string, password: string, options: { stayLoggedIn?: boolean; screenshot?: boolean } = {}): Promise<void> {
    const create = this.page.getByRole('button', { name: this.t.createAccount, exact: true });
    // An invitation link opens the app on the registration form already.
    if (await create.isVisible()) await create.click();
    await this.fillCredentials(username, password);
    await this.page.getByRole('checkbox', { name: this.t.acceptRules }).check();
    if (options.stayLoggedIn) await this.page.getByRole('checkbox', { name: this.t.stayLoggedIn }).check();
    if (options.screenshot) await this.shot('register');
    await this.page.getByRole('button', { name: this.t.register, exact: true }).click();
    await this.waitOnline();
  }

  async login(username: string, password: string, options: { stayLoggedIn?: boolean } = {}): Promise<void> {
    await this.fillCredentials(username, password);
    if (options.stayLoggedIn) await this.page.getByRole('checkbox', { name: this.t.stayLoggedIn }).check();
    await this.page.getByRole('button', { name: this.t.login, exact: true }).click();
    await this.waitOnline();
  }

  /**
   * Logs out through the dialog that says what logging out deletes. With
   * `backup`, makes the encrypted backup first and returns its code and
   * file, as the person would write down and save them.
   */
  async logout(options: { backup?: boolean; beforeConfirm?: (backup: { code: string; file: Buffer } | null) => Promise<void> } = {}): Promise<{ code: string; file: Buffer } | null> {
    await this.page.getByRole('button', { name: this.t.logout, exact: true }).click();
    const dialog = this.page.getByRole('dialog');
    await dialog.getByRole('button', { name: this.t.logoutConfirm, exact: true }).waitFor();
    let backup: { code: string; file: Buffer } | null = null;
    if (options.backup) {
      await dialog.getByRole('button', { name: this.t.makeBackup, exact: true }).click();
      const code = (await dialog.getByLabel(this.t.backupCode, { exact: true }).textContent({ timeout: 60_000 }))!.trim();
      const [download] = await Promise.all([this.page.waitForEvent('download'), dialog.getByRole('link', { name: this.t.saveBackup }).click()]);
      const path = await download.path();
      backup = { code, file: await import('node:fs/promises').then((fs) => fs.readFile(path)) };
    }
    await options.beforeConfirm?.(backup);
    await dialog.getByRole('button', { name: this.t.logoutConfirm, exact: true }).click();
    await this.page.getByRole('heading', { name: this.t.login, exact: true }).waitFor({ timeout: 30_000 });
    return backup;
  }

  /** On the login screen: restores an encrypted backup (the next login continues from it). */
  async restoreBackup(backup: { code: string; file: Buffer }): Promise<void> {
    await this.page.getByText(this.t.restoreBackup, { exact: true }).click();
    await this.page.getByLabel(this.t.backupFile, { exact: true }).setInputFiles({ name: 'conexizan.backup', mimeType: 'application/json', buffer: backup.file });
    await this.page.getByLabel(this.t.backupCode, { exact: true }).fill(backup.code);
    await this.page.getByRole('button', { name: this.t.restore, exact: true }).click();
    await this.page.getByRole('status').filter({ hasText: /Restored|wiederhergestellt/ }).waitFor({ timeout: 60_000 });
  }

  async fillCredentials(username: string, password: string): Promise<void> {
    await this.page.getByRole('textbox', { name: this.t.username, exact: true }).fill(username);
    await this.page.getByLabel(this.t.password, { exact: true }).fill(password);
  }

  /** The connection status in the header. */
  connectionStatus(): Locator {
    return this.page.getByRole('banner').getByRole('status');
  }

  async waitOnline(timeout = 30_000): Promise<void> {
    await this.connectionStatus().getByText(this.t.online, { exact: true }).waitFor({ timeout });
  }

  alert(text: string | RegExp): Locator {
    return this.page.getByRole('alert').filter({ hasText: text });
  }

  contactList(): Locator {
    return this.page.getByRole('list', { name: this.t.contactList, exact: true });
  }

  /** A contact's entry: its name starts with the address (or nickname), then its presence. */
  contact(jidOrName: string): Locator {
    return this.contactList().getByRole('button', { name: new RegExp(`^${escapeRegExp(jidOrName)}\\b`) });
  }

  /** What the contact's entry says (address or nickname, presence, unread count). */
  async contactSummary(jidOrName: string): Promise<string> {
    await this.showContacts();
    const entry = this.contact(jidOrName);
    if ((await entry.count()) === 0) return '';
    // What a screen reader reads: the label, else the text without decorations (aria-hidden).
    return entry.first().evaluate((element) => {
      const label = element.getAttribute('aria-label');
      if (label) return label;
      const copy = element.cloneNode(true) as HTMLElement;
      copy.querySelectorAll('[aria-hidden="true"]').forEach((hidden) => hidden.remove());
      return copy.textContent ?? '';
    });
  }

  /** Accepts a contact request from `jid` if one is showing (a no-op otherwise). */
  async acceptIfAsked(jid: string): Promise<void> {
    const request = this.page.getByRole('button', { name: this.t.accept(jid), exact: true });
    if (await request.isVisible()) await request.click();
  }

  async addContact(jid: string): Promise<void> {
    await this.openAddContact();
    await this.page.getByRole('dialog', { name: this.t.addContact }).getByRole('textbox', { name: this.t.address, exact: true }).fill(jid);
    await this.page.getByRole('dialog', { name: this.t.addContact }).getByRole('button', { name: this.t.add, exact: true }).click();
  }

  async openAddContact(): Promise<Locator> {
    await this.showContacts();
    await this.page.getByRole('button', { name: this.t.addContact, exact: true }).click();
    const dialog = this.page.getByRole('dialog', { name: this.t.addContact });
    await dialog.waitFor();
    return dialog;
  }

  async acceptRequest(jid: string, timeout = 30_000): Promise<void> {
    await this.showContacts();
    await this.page.getByRole('button', { name: this.t.accept(jid), exact: true }).click({ timeout });
  }

  /** On a phone the chat covers the contact list; go back to it. */
  async showContacts(): Promise<void> {
    const back = this.page.getByRole('button', { name: this.t.backToContacts, exact: true });
    if (await back.isVisible()) await back.click();
  }

  async openChat(jidOrName: string): Promise<void> {
    await this.showContacts();
    await this.contact(jidOrName).click();
    await this.messageLog().waitFor();
  }

  messageLog(): Locator {
    return this.page.getByRole('log', { name: this.t.messages });
  }

  composer(): Locator {
    return this.page.getByRole('textbox', { name: this.t.message, exact: true });
  }

  /** Attaches a file through the composer's "Attach file" control (a labelled file input or a button opening one). */
  async attach(file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
    const control = this.page.getByLabel(this.t.attachFile, { exact: true }).or(this.page.getByRole('button', { name: this.t.attachFile, exact: true })).first();
    const isFileInput = await control.evaluate((element) => element instanceof HTMLInputElement && element.type === 'file');
    if (isFileInput) {
      await control.setInputFiles(file);
      return;
    }
    const [chooser] = await Promise.all([this.page.waitForEvent('filechooser'), control.click()]);
    await chooser.setFiles(file);
  }

  async send(text: string): Promise<void> {
    await this.composer().fill(text);
    await this.page.getByRole('button', { name: this.t.send, exact: true }).click();
  }

  /** Messages in the open chat whose text contains `text`. */
  messages(text: string | RegExp): Locator {
    return this.messageLog().getByRole('article').filter({ hasText: text });
  }

  /**
   * Visible controls a screen reader could not name (no text, label,
   * aria-label, aria-labelledby, title or picture with alt text), described
   * by their HTML.
   */
  unnamedControls(): Promise<string[]> {
    return this.page.evaluate(() => {
      const controls = document.querySelectorAll<HTMLElement>('button, a[href], input:not([type=hidden]), select, textarea, [role=button]');
      return [...controls]
        .filter((element) => element.getClientRects().length > 0)
        .filter((element) => {
          const labelled = element.getAttribute('aria-labelledby')?.split(/\s+/).some((id: string) => document.getElementById(id)?.textContent?.trim());
          const labels = 'labels' in element ? [...((element as HTMLInputElement).labels ?? [])].some((label) => label.textContent?.trim()) : false;
          const pictured = [...element.querySelectorAll('img')].some((img) => img.alt.trim());
          return !(element.getAttribute('aria-label')?.trim() || labelled || labels || pictured || element.textContent?.trim() || element.getAttribute('title')?.trim());
        })
        .map((element) => element.outerHTML.slice(0, 160));
    });
  }

  /**
   * Everything this origin keeps in the browser (localStorage and every
   * IndexedDB database, all records) as one string, to check what a person
   * leaves behind on a device.
   */
  storedText(): Promise<string> {
    return this.page.evaluate(async () => {
      const parts: string[] = [JSON.stringify({ ...localStorage })];
      for (const info of await indexedDB.databases()) {
        if (!info.name) continue;
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const request = indexedDB.open(info.name!);
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        for (const store of Array.from(db.objectStoreNames)) {
          const records = await new Promise<unknown[]>((resolve, reject) => {
            const request = db.transaction(store, 'readonly').objectStore(store).getAll();
            request.onsuccess = () => resolve(request.result);
            request.onerror = () => reject(request.error);
          });
          parts.push(JSON.stringify(records));
        }
        db.close();
      }
      return parts.join('\n');
    });
  }

  /**
   * How many pixels the page sticks out sideways (0 when it fits the screen:
   * nothing to scroll horizontally, which makes a phone layout unusable).
   */
  horizontalOverflow(): Promise<number> {
    return this.page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth));
  }

  async shot(screen: string): Promise<void> {
    await screenshot(this.page, `${screen}-${this.size}-${this.lang}`);
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

/**
 * `a` adds `b`; `b` accepts (and asks back); `a` approves that if her client
 * shows it as a request. Done when each sees the other online.
 */
export async function makeContacts(a: Person, aJid: string, b: Person, bJid: string): Promise<void> {
  await a.addContact(bJid);
  await b.acceptRequest(aJid);
  const online = /\bonline\b/;
  for (const [person, otherJid] of [[a, bJid], [b, aJid]] as const) {
    const deadline = Date.now() + 30_000;
    while (!online.test(await person.contactSummary(otherJid))) {
      if (Date.now() > deadline) throw new Error(`${person.lang} user never saw ${otherJid} online: "${await person.contactSummary(otherJid)}"`);
      await person.acceptIfAsked(otherJid);
      await person.page.waitForTimeout(200);
    }
  }
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** An image made by the browser itself (a two-colour PNG, 64×64 unless asked), for upload tests. */
export async function makePng(page: Page, size: { width: number; height: number } = { width: 64, height: 64 }): Promise<Buffer> {
  const dataUrl = await page.evaluate(({ width, height }) => {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const g = canvas.getContext('2d')!;
    g.fillStyle = '#1565c0';
    g.fillRect(0, 0, width, height);
    g.fillStyle = '#ffb300';
    g.fillRect(width / 4, height / 4, width / 2, height / 2);
    return canvas.toDataURL('image/png');
  }, size);
  return Buffer.from(dataUrl.split(',')[1]!, 'base64');
}
