import type { ModuleContext } from './module.ts';

/**
 * Runs a module's housekeeping (purging what has expired, sending a digest)
 * once the server has started and then every `everyMs`, until the server
 * stops. A failing run is logged and the next one tries again; runs never
 * overlap, and the timer does not keep the process alive. In a cluster only
 * one node runs it (the one holding the placement `periodic/<what>`), so a
 * digest goes out once, not once per node.
 */
export function runPeriodically(ctx: ModuleContext, what: string, everyMs: number, task: () => Promise<void>): void {
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      if (!(await ctx.cluster.placement.locate(`periodic/${what}`)).local) return;
      await task();
    } catch (error) {
      ctx.log.warn({ err: error }, `${what} failed; trying again later`);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void run(), everyMs);
  timer.unref();
  ctx.onStop(() => clearInterval(timer));
  ctx.hooks.on('server/started', () => void run());
}
