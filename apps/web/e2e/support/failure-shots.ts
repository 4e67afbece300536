import { afterEach } from 'vitest';
import { openPages, screenshot } from './browser.ts';

/**
 * Setup file: when a test fails, every page still open gets a screenshot in
 * e2e/artifacts/failure-<test>-<n>.png, so a red CI run shows what the
 * person saw.
 */
afterEach(async (context) => {
  if (context.task.result?.state !== 'fail') return;
  const name = context.task.name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 80);
  let n = 0;
  for (const page of openPages()) {
    n += 1;
    await screenshot(page, `failure-${name}-${n}`).catch(() => {});
  }
});
