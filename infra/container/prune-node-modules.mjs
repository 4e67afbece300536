// Build step of the Containerfile: removes from a pnpm node_modules every
// package that nothing the server imports can reach. @prisma/client names the
// Prisma CLI and TypeScript as (optional) peers, so pnpm installs both with
// it even in a production install; the server needs neither at run time (its
// Prisma clients are generated and it applies migrations itself), and
// together with their own dependencies they would be a fifth of the image.
//
//   node prune-node-modules.mjs ROOT PACKAGE_DIR...
// ROOT holds node_modules/.pnpm; each PACKAGE_DIR's node_modules is a start.
import { existsSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const UNUSED_PEERS = new Map([['@prisma/client', ['prisma', 'typescript']]]);
const [root, ...starts] = process.argv.slice(2);
const store = realpathSync(join(root, 'node_modules/.pnpm'));

/** The packages a node_modules folder links to, as [name, real path]. */
function linked(nodeModules) {
  if (!existsSync(nodeModules)) return [];
  return readdirSync(nodeModules).filter((entry) => entry !== '.pnpm' && !entry.startsWith('.')).flatMap((entry) =>
    entry.startsWith('@')
      ? readdirSync(join(nodeModules, entry)).map((name) => [`${entry}/${name}`, join(nodeModules, entry, name)])
      : [[entry, join(nodeModules, entry)]],
  ).map(([name, path]) => [name, realpathSync(path)]);
}

/** The .pnpm entry a package lives in (its first path segment under the store). */
const entryOf = (path) => relative(store, path).split(sep)[0];

const reached = new Set();
const queue = starts.flatMap((start) => linked(join(start, 'node_modules')));
while (queue.length) {
  const [name, path] = queue.pop();
  if (!path.startsWith(store + sep)) continue; // a workspace package: its own node_modules is a start
  if (reached.has(path)) continue;
  reached.add(path);
  // A package's dependencies are its siblings in <entry>/node_modules.
  const siblings = join(store, entryOf(path), 'node_modules');
  const skip = UNUSED_PEERS.get(name) ?? [];
  for (const [dependency, target] of linked(siblings)) if (dependency !== name && !skip.includes(dependency)) queue.push([dependency, target]);
}
const keep = new Set([...reached].map(entryOf));
let removed = 0;
for (const entry of readdirSync(store)) {
  if (entry.startsWith('.') || keep.has(entry)) continue;
  rmSync(join(store, entry), { recursive: true, force: true });
  removed++;
}
// pnpm's hoisted links (.pnpm/node_modules) to what is gone go too.
const hoisted = join(store, 'node_modules');
if (existsSync(hoisted)) {
  for (const entry of readdirSync(hoisted)) {
    const names = entry.startsWith('@') ? readdirSync(join(hoisted, entry)).map((name) => join(entry, name)) : [entry];
    for (const name of names) if (!existsSync(join(hoisted, name))) rmSync(join(hoisted, name), { force: true });
  }
}
process.stdout.write(`prune-node-modules: kept ${keep.size} packages, removed ${removed}\n`);
