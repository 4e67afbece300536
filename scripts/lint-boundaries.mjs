#!/usr/bin/env node
// One package's boundary check: `node ../../scripts/lint-boundaries.mjs src test`
// from the package's folder runs dependency-cruiser with the repository's
// rules (.dependency-cruiser.cjs, paths from the root) on those folders. It
// does not follow imports into other packages, so each package reports only
// its own violations, while its imports of them are still checked.
import { spawnSync } from 'node:child_process';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = relative(root, process.cwd()).split('\\').join('/');
const folders = process.argv.slice(2).map((folder) => `${pkg}/${folder}`);
const self = pkg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const result = spawnSync(
  'depcruise',
  ['--config', '.dependency-cruiser.cjs', '--do-not-follow', `^(?!${self}/)(apps|packages|bench)/|(^|/)node_modules/`, ...folders],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
