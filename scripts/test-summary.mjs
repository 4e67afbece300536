// Adds up vitest's "Tests  N passed | M failed" lines from every package in a
// turbo log and prints one closing line, so a reader (or CI) sees the total;
// before it, the turbo tasks that failed (a lint or a type check has no test
// count of its own).
import { readFileSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';

const log = stripVTControlCharacters(readFileSync(process.argv[2], 'utf8'));
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
const failedTasks = log.match(/^\s*Failed:\s+(.+)$/m)?.[1]?.trim();
if (failedTasks) console.log(`failed tasks: ${failedTasks}`);
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}${failedFiles ? `; ${failedFiles} test files failed` : ''}`);
