import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core (browser downloads are not
 * possible here). One browser per test file; each simulated person gets a
 * context of their own (separate storage, cookies, IndexedDB).
 */
export const CHROMIUM = process.env.CONEXIZAN_E2E_CHROMIUM ?? '/usr/bin/chromium';
// Without the networking flags Chromium keeps trying to reach Google on a closed network.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export const PHONE = { width: 390, height: 844 } as const;
export const DESKTOP = { width: 1280, height: 800 } as const;
export type ScreenSize = 'phone' | 'desktop';

export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '../artifacts');

const browsers = new Set<Browser>();

/** `args`: more Chromium flags, e.g. --host-resolver-rules to open our loopback server by another host name. */
export async function launchChromium(options: { args?: string[] } = {}): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...FLAGS, ...(options.args ?? [])], timeout: 60_000 });
  browsers.add(browser);
  browser.on('disconnected', () => browsers.delete(browser));
  return browser;
}

/** Every page open in this test file's browsers (for failure screenshots). */
export function openPages(): Page[] {
  const contexts = [...[...browsers].flatMap((browser) => browser.contexts()), ...persistent];
  return contexts.flatMap((context) => context.pages()).filter((page) => !page.isClosed());
}

export interface PersonOptions {
  size?: ScreenSize;
  /** the browser's language (navigator.language, Accept-Language) */
  locale?: string;
  /** false: a browser with JavaScript switched off */
  javaScript?: boolean;
  /** accept the server's self-signed certificate (the https listener as `pnpm start` runs it) */
  acceptSelfSigned?: boolean;
}

/**
 * A browser context for one person, with what went wrong on the page
 * collected for failure messages: uncaught errors and console errors.
 */
export async function newPerson(browser: Browser, options: PersonOptions = {}): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const size = options.size ?? 'desktop';
  const context = await browser.newContext({
    viewport: size === 'phone' ? PHONE : DESKTOP,
    locale: options.locale ?? 'en-US',
    javaScriptEnabled: options.javaScript ?? true,
    ignoreHTTPSErrors: options.acceptSelfSigned ?? false,
    ...(size === 'phone' ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
  });
  context.setDefaultTimeout(20_000);
  context.setDefaultNavigationTimeout(30_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  return { context, page, problems };
}

/**
 * A person whose browser keeps its profile in `dir` (a Chromium of its own),
 * so a test can read what the browser wrote to disk. Close its context to
 * end that browser.
 */
export async function newPersistentPerson(dir: string, options: PersonOptions = {}): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const size = options.size ?? 'desktop';
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    args: FLAGS,
    timeout: 60_000,
    viewport: size === 'phone' ? PHONE : DESKTOP,
    locale: options.locale ?? 'en-US',
    acceptDownloads: true,
    ignoreHTTPSErrors: options.acceptSelfSigned ?? false,
  });
  context.setDefaultTimeout(20_000);
  context.setDefaultNavigationTimeout(30_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  persistent.add(context);
  context.on('close', () => persistent.delete(context));
  return { context, page, problems };
}

const persistent = new Set<BrowserContext>();

/** A full-page screenshot kept under e2e/artifacts/ as <name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
