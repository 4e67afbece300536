// Prints the size of the built app, raw and gzipped, so every build shows what a browser downloads:
// first what the login screen needs (index.html and what it names), then every file.
// The .gz and .br copies beside each file are what the server actually sends (see vite.config.ts).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = new URL('../dist/', import.meta.url).pathname;
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (!/\.(map|gz|br)$/.test(name)) files.push(path);
  }
})(dist);

const gzipped = (path) => gzipSync(readFileSync(path), { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} kB`;

let raw = 0;
let gzip = 0;
const rows = files.map((path) => {
  const size = statSync(path).size;
  const zipped = gzipped(path);
  raw += size;
  gzip += zipped;
  return [relative(dist, path), size, zipped];
});
rows.sort((a, b) => b[2] - a[2]);

const html = readFileSync(join(dist, 'index.html'), 'utf8');
const first = ['index.html', ...[...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1])];
const firstGzip = first.reduce((sum, name) => sum + gzipped(join(dist, name)), 0);

console.log('\nBundle size (dist/, without source maps):');
for (const [name, size, zipped] of rows) console.log(`  ${name.padEnd(48)} ${kb(size).padStart(10)}  gzip ${kb(zipped).padStart(9)}`);
console.log(`  ${'total'.padEnd(48)} ${kb(raw).padStart(10)}  gzip ${kb(gzip).padStart(9)}`);
console.log(`  ${'first visit (login screen)'.padEnd(48)} ${''.padStart(10)}  gzip ${kb(firstGzip).padStart(9)}  (${first.join(', ')})`);
