/**
 * Summarises V8 CPU profiles by area of the server:
 *   pnpm --filter @conexizan/bench profile-summary FILE.cpuprofile [...]
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatSummary, summariseProfile, type CpuProfile } from './summary.ts';

const files = process.argv.slice(2).filter((a) => a !== '--');
if (files.length === 0) {
  process.stderr.write('usage: pnpm --filter @conexizan/bench profile-summary FILE.cpuprofile [...]\n');
  process.exit(2);
}
for (const file of files) {
  const path = resolve(process.env.INIT_CWD ?? process.cwd(), file);
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  process.stdout.write(`## ${file}\n\n${formatSummary(summariseProfile(profile))}\n\n`);
}
