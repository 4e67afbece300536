/**
 * What grew between two heap snapshots, per session:
 *   pnpm --filter @conexizan/bench heap-growth BEFORE.heapsnapshot AFTER.heapsnapshot SESSIONS
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatHeapGrowth, heapGrowth, heapKinds } from './heap.ts';

const [before, after, sessions] = process.argv.slice(2).filter((a) => a !== '--');
if (!before || !after || !Number(sessions)) {
  process.stderr.write('usage: pnpm --filter @conexizan/bench heap-growth BEFORE.heapsnapshot AFTER.heapsnapshot SESSIONS\n');
  process.exit(2);
}
const read = (file: string) => heapKinds(readFileSync(resolve(process.env.INIT_CWD ?? process.cwd(), file), 'utf8'));
process.stdout.write(`${formatHeapGrowth(heapGrowth(read(before), read(after), Number(sessions)))}\n`);
