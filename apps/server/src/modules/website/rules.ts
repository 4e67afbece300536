import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import MarkdownIt from 'markdown-it';
import { trusted, type Html } from './html.ts';
import { LANGUAGES, type Language } from './language.ts';

/**
 * The service's rules: text files (Markdown) the operator edits in
 * data_dir/website/rules.<lang>.md. The first start writes the shipped
 * defaults there; later the files are read again whenever they change, so
 * an edit shows on the next page view without a restart.
 */
const DEFAULTS = new URL('./defaults/', import.meta.url);

// HTML in the files stays text: the pages never carry markup or scripts from a file.
const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false });
// The rules sit under the page's own "Rules" heading (h2): a "#" in the file is an h3.
markdown.renderer.rules.heading_open = (tokens, index) => `<h${shifted(tokens[index]!.tag)}>`;
markdown.renderer.rules.heading_close = (tokens, index) => `</h${shifted(tokens[index]!.tag)}>`;
function shifted(tag: string): number {
  return Math.min(6, Number(tag.slice(1)) + 2);
}

export class RulesFiles {
  readonly #dir: string;
  readonly #cache = new Map<Language, { mtimeMs: number; size: number; html: Html }>();

  constructor(dataDir: string) {
    this.#dir = join(dataDir, 'website');
  }

  path(lang: Language): string {
    return join(this.#dir, `rules.${lang}.md`);
  }

  /** Writes the shipped rules where none exist yet (never over an operator's file). */
  async install(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    for (const lang of LANGUAGES) {
      await copyFile(new URL(`rules.${lang}.md`, DEFAULTS), this.path(lang), 1 /* COPYFILE_EXCL */).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
    }
  }

  /** The rules in `lang` as HTML (the shipped text if the operator's file went missing). */
  async render(lang: Language): Promise<Html> {
    const path = this.path(lang);
    const info = await stat(path).catch(() => null);
    const cached = this.#cache.get(lang);
    if (info && cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size) return cached.html;
    const text = await readFile(info ? path : new URL(`rules.${lang}.md`, DEFAULTS), 'utf8');
    const rendered = trusted(markdown.render(text));
    if (info) this.#cache.set(lang, { mtimeMs: info.mtimeMs, size: info.size, html: rendered });
    return rendered;
  }
}
