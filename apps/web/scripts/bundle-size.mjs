// Prints the size of the built app, raw and gzipped, so every build shows what a first visit downloads.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = new URL('../dist/', import.meta.url).pathname;
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (!name.endsWith('.map')) files.push(path);
  }
})(dist);

let raw = 0;
let gzip = 0;
const rows = files.map((path) => {
  const bytes = readFileSync(path);
  const zipped = gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length;
  gzip += zipped;
  return [relative(dist, path), bytes.length, zipped];
});
rows.sort((a, b) => b[2] - a[2]);
const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
console.log('\nBundle size (dist/, without source maps):');
for (const [name, size, zipped] of rows) console.log(`  ${name.padEnd(48)} ${kb(size).padStart(10)}  gzip ${kb(zipped).padStart(9)}`);
console.log(`  ${'total'.padEnd(48)} ${kb(raw).padStart(10)}  gzip ${kb(gzip).padStart(9)}`);
