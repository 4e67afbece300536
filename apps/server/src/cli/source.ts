import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { packSource } from '../source/archive.ts';

/**
 * `conexizan source pack DIR [--commit SHA]` packs the checkout the command
 * runs from into DIR as the corresponding source of an install built from
 * it (AGPL §13): conexizan-source.tar.gz and conexizan-source.json. The
 * container build runs it on the whole clone, so that the image, which
 * ships only what runs, serves the complete source at /source/. --commit
 * names the checkout's commit where its .git is not at hand. Needs no
 * configuration.
 */
export async function runSource(args: string[], options: { commit?: string | undefined } = {}): Promise<number> {
  const [action, dir, ...extra] = args;
  if (action !== 'pack' || !dir || extra.length > 0) {
    process.stderr.write('usage: conexizan source pack DIR [--commit SHA]\n');
    return 2;
  }
  if (options.commit !== undefined && !/^[0-9a-f]{7,64}$/.test(options.commit)) {
    process.stderr.write('conexizan: --commit takes a git commit id (hexadecimal)\n');
    return 2;
  }
  const out = resolve(dir);
  await mkdir(out, { recursive: true });
  const { version, files } = await packSource(out, { commit: options.commit ?? null });
  process.stdout.write(`packed ${files.length} files of conexizan ${version} into ${out}\n`);
  return 0;
}
