import { readFileSync, statSync } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create as createTar } from 'tar';

/**
 * The source of the running version, which the AGPL (§13) entitles every
 * user of a hosted Conexizan to (the website offers it at /source/). The
 * server runs its TypeScript sources directly, so a checkout it runs from
 * is exactly the corresponding source, local changes included: it is packed
 * as a tar.gz on first request. An install that ships only what runs (the
 * container image) carries instead the archive made from the whole
 * checkout when it was built (`conexizan source pack`, this same code), and
 * that one is served.
 *
 * Only what makes up the program is packed (sources, package manifests,
 * scripts, docs, deployment files), chosen by an allow list, so a config
 * file with secrets, a certificate key or the data directory placed in the
 * checkout never ends up in it; every file git tracks passes it
 * (archive.test.ts).
 */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Where an install keeps the archive made when it was built, and what it holds. */
export const PREBUILT_ARCHIVE = 'conexizan-source.tar.gz';
export const PREBUILT_INFO = 'conexizan-source.json';

const ROOT_FILES = [
  'package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', 'turbo.json', 'tsconfig.base.json', 'LICENSE', 'README.md', 'BENCHMARKS.md', 'SECURITY.md',
  '.gitignore', '.dockerignore', 'eslint.config.js', '.dependency-cruiser.cjs',
];
const TREES = ['apps', 'packages', 'patches', 'scripts', 'infra', 'bench', '.ci'];
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', '.turbo', 'data', 'coverage', 'generated', 'artifacts', '.web-dist', '.git', 'secrets']);
const SOURCE_FILE = /\.(ts|tsx|mts|cts|js|mjs|cjs|json|md|css|html|toml|ya?ml|prisma|sql|sh|py|lua|svg|png|txt|webmanifest|conf|example|patch|d\.ts)$/;
const SOURCE_NAMES = new Set(['run', 'Containerfile', 'Dockerfile', 'Caddyfile', 'Makefile', 'LICENSE', '.gitignore', '.dockerignore']);
/** Names that hold secrets or local settings, whatever their extension (an example of one is fine). */
const NEVER = /(^conexizan\.toml$|^\.env(?!\.example$)|\.(pem|key|crt|p12|pfx|sqlite|db|log)$)/;
const MAX_FILE_BYTES = 5 * 1_048_576;

/** Relative paths of the files that make up the program, sorted. */
export async function sourceFiles(root = REPOSITORY_ROOT, exclude: string[] = []): Promise<string[]> {
  const excluded = exclude.map((path) => resolve(path));
  const found: string[] = [];
  const take = async (path: string) => {
    const name = path.split(sep).pop()!;
    if (NEVER.test(name) || !(SOURCE_FILE.test(name) || SOURCE_NAMES.has(name))) return;
    const info = await stat(path).catch(() => null);
    if (info?.isFile() && info.size <= MAX_FILE_BYTES) found.push(relative(root, path));
  };
  const walk = async (dir: string): Promise<void> => {
    if (excluded.some((path) => dir === path || dir.startsWith(path + sep))) return;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name) && !entry.name.startsWith('.web-')) await walk(path);
      } else if (entry.isFile()) await take(path);
    }
  };
  for (const file of ROOT_FILES) await take(join(root, file));
  for (const tree of TREES) await walk(join(root, tree));
  return found.sort();
}

/** The running version: the package version, and the commit of the checkout it runs from, or of the one it was built from. */
export function runningVersion(root = REPOSITORY_ROOT): string {
  const commit = gitCommit(root) ?? prebuiltSource(root)?.commit ?? null;
  return versionOf(root, commit);
}

function versionOf(root: string, commit: string | null): string {
  const version = (JSON.parse(readFileSync(join(root, 'apps/server/package.json'), 'utf8')) as { version: string }).version;
  return commit ? `${version} (${commit.slice(0, 12)})` : version;
}

/** The archive made when this install was built, if it has one (then it, not the files here, is the corresponding source). */
export function prebuiltSource(root = REPOSITORY_ROOT): { archive: string; commit: string | null; version: string } | null {
  const info = readIfThere(join(root, PREBUILT_INFO));
  if (info === null) return null;
  const { commit, version } = JSON.parse(info) as { commit: string | null; version: string };
  return { archive: join(root, PREBUILT_ARCHIVE), commit, version };
}

/** HEAD's commit, read from the files of .git (no git program needed); null outside a checkout. */
export function gitCommit(root: string): string | null {
  try {
    let gitDir = join(root, '.git');
    // A worktree's .git is a file naming the real directory.
    if (statSync(gitDir).isFile()) gitDir = resolve(root, readFileSync(gitDir, 'utf8').replace(/^gitdir:\s*/, '').trim());
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (/^[0-9a-f]{40,64}$/.test(head)) return head;
    const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
    if (!ref) return null;
    const common = readIfThere(join(gitDir, 'commondir'));
    const dirs = [gitDir, ...(common ? [resolve(gitDir, common.trim())] : [])];
    for (const dir of dirs) {
      const loose = readIfThere(join(dir, ref))?.trim();
      if (loose && /^[0-9a-f]{40,64}$/.test(loose)) return loose;
      const packed = readIfThere(join(dir, 'packed-refs'));
      const line = packed?.split('\n').find((l) => l.endsWith(` ${ref}`));
      if (line) return line.split(' ')[0]!;
    }
    return null;
  } catch {
    return null;
  }
}

function readIfThere(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The folder every path of the archive of `version` is under. */
export function archivePrefix(version: string): string {
  return `conexizan-${version.replace(/[^A-Za-z0-9.]+/g, '-').replace(/-+$/, '')}/`;
}

/**
 * Packs the checkout at `root` (the build's, for an install that will not
 * have it) into `outDir`: the archive, and what it holds (version, commit,
 * files) for prebuiltSource(). `commit` names the checkout's commit where
 * its .git is not at hand (a container build context).
 */
export async function packSource(outDir: string, options: { root?: string; commit?: string | null } = {}): Promise<{ version: string; files: string[] }> {
  const root = options.root ?? REPOSITORY_ROOT;
  const commit = options.commit || gitCommit(root);
  const version = versionOf(root, commit);
  const files = await sourceFiles(root);
  await writeFile(join(outDir, PREBUILT_ARCHIVE), await sourceArchive(archivePrefix(version), root, [], files));
  await writeFile(join(outDir, PREBUILT_INFO), `${JSON.stringify({ version, commit, files: files.length }, null, 2)}\n`);
  return { version, files };
}

/** A gzipped tar of sourceFiles() (or of `files`), every path under `prefix`. */
export async function sourceArchive(prefix: string, root = REPOSITORY_ROOT, exclude: string[] = [], listed?: string[]): Promise<Buffer> {
  const files = listed ?? (await sourceFiles(root, exclude));
  const chunks: Buffer[] = [];
  const stream = createTar({ gzip: true, cwd: root, portable: true, prefix, noMtime: false }, files);
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
