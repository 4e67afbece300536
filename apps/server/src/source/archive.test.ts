import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packSource, prebuiltSource, REPOSITORY_ROOT, runningVersion, sourceFiles } from './archive.ts';

const tracked = execFileSync('git', ['ls-files'], { cwd: REPOSITORY_ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
const scratch: string[] = [];
afterAll(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('the source archive', () => {
  it('packs every file git tracks: the allow list leaves nothing of the program out', async () => {
    const packed = new Set(await sourceFiles());
    expect(tracked.filter((file) => !packed.has(file))).toEqual([]);
  });

  it('never packs secrets or local state put into a checkout, only examples of them', async () => {
    const root = mkdtempSync(join(tmpdir(), 'conexizan-source-'));
    scratch.push(root);
    const files = ['apps/server/src/a.ts', 'conexizan.toml', '.env', 'infra/compose/.env', 'infra/compose/.env.example', 'infra/k8s/secrets.env.example', 'infra/tls.key',
      'infra/tls.pem', 'apps/server/data/conexizan.sqlite', 'apps/server/node_modules/x/index.js', 'infra/secrets/db_password', 'apps/web/dist/index.html', 'apps/server/server.log'];
    for (const file of files) {
      mkdirSync(join(root, file, '..'), { recursive: true });
      writeFileSync(join(root, file), 'x');
    }
    expect(await sourceFiles(root)).toEqual(['apps/server/src/a.ts', 'infra/compose/.env.example', 'infra/k8s/secrets.env.example']);
  });

  it('an install built from a checkout it does not ship serves the archive made then, and says its commit', async () => {
    const install = mkdtempSync(join(tmpdir(), 'conexizan-install-'));
    scratch.push(install);
    mkdirSync(join(install, 'apps/server'), { recursive: true });
    cpSync(join(REPOSITORY_ROOT, 'apps/server/package.json'), join(install, 'apps/server/package.json'));
    expect(prebuiltSource(install)).toBeNull();
    const commit = 'abcdef0123456789abcdef0123456789abcdef01';
    const { version, files } = await packSource(install, { commit });
    expect(version).toMatch(/^\d+\.\d+\.\d+ \(abcdef012345\)$/);
    expect(prebuiltSource(install)).toEqual({ archive: join(install, 'conexizan-source.tar.gz'), commit, version });
    expect(runningVersion(install)).toBe(version);
    const listed = execFileSync('tar', ['-tzf', join(install, 'conexizan-source.tar.gz')], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(listed).toEqual(files.map((file) => `conexizan-${version.replace(' (', '-').replace(')', '')}/${file}`));
  });
});
