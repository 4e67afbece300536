// Adds up vitest's "Tests  N passed | M failed" lines from every package in a
// turbo log and prints one closing line, so a reader (or CI) sees the total.
import { readFileSync } from 'node:fs';

const log = readFileSync(process.argv[2], 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
let passed = 0;
let failed = 0;
let skipped = 0;
// A file that fails before its tests run (a crash in beforeAll, a port in use)
// shows up only in the "Test Files" line; count it, or a red run reads as green.
let failedFiles = 0;
for (const line of log.split('\n')) {
  const files = line.match(/^\S*:?\s*Test Files\s+(.*)\(\d+\)\s*$/);
  if (files) failedFiles += Number(files[1].match(/(\d+) failed/)?.[1] ?? 0);
  const match = line.match(/^\S*:?\s*Tests\s+(.*)\(\d+\)\s*$/);
  if (!match) continue;
  for (const [, count, kind] of match[1].matchAll(/(\d+) (passed|failed|skipped)/g)) {
    if (kind === 'passed') passed += Number(count);
    else if (kind === 'failed') failed += Number(count);
    else skipped += Number(count);
  }
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}${failedFiles ? `; ${failedFiles} test files failed` : ''}`);
