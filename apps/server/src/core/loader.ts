import type { ServerCore } from './core.ts';
import type { ModuleContext, ServerModule } from './module.ts';
import type { ServiceName, Services } from './services.ts';

/**
 * The one way modules are started, by the server, the test harness and the
 * command line alike: in the order of the module list, except that a
 * module's dependencies are set up before it. A dependency that is not in
 * the list, or modules that depend on each other in a circle, stop the
 * start with one message naming them, before any module is set up.
 */
export class ModuleGraphError extends Error {
  override readonly name = 'ModuleGraphError';
}

/** The modules in setup order: the list's order, each one's dependencies pulled in front of it. */
export function orderModules(modules: readonly ServerModule[]): ServerModule[] {
  const byName = new Map<string, ServerModule>();
  for (const module of modules) {
    if (byName.has(module.name)) throw new ModuleGraphError(`module ${module.name} is in the module list twice`);
    byName.set(module.name, module);
  }
  const ordered: ServerModule[] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (module: ServerModule): void => {
    if (done.has(module.name)) return;
    if (path.includes(module.name)) {
      const circle = [...path.slice(path.indexOf(module.name)), module.name];
      throw new ModuleGraphError(`modules depend on each other in a circle: ${circle.join(' → ')}`);
    }
    path.push(module.name);
    for (const name of module.depends ?? []) {
      const dependency = byName.get(name);
      if (!dependency) throw new ModuleGraphError(`module ${module.name} depends on ${name}, which is not in the module list`);
      visit(dependency);
    }
    path.pop();
    done.add(module.name);
    ordered.push(module);
  };
  for (const module of modules) visit(module);
  return ordered;
}

export interface LoadedModules {
  /** the modules in the order they were set up */
  readonly modules: readonly ServerModule[];
  /** Runs the modules' onStop callbacks, last registered first. */
  stop(): Promise<void>;
}

/** Orders the modules (see orderModules) and sets each up with its own context. */
export async function loadModules(core: ServerCore, modules: readonly ServerModule[]): Promise<LoadedModules> {
  const ordered = orderModules(modules);
  const providers = providersOf(ordered);
  const stopCallbacks: (() => void | Promise<void>)[] = [];
  const stop = async () => {
    for (const callback of stopCallbacks.splice(0).reverse()) await callback();
  };
  for (const module of ordered) {
    const context: ModuleContext = {
      ...core,
      log: core.log.child({ module: module.name }),
      onStop: (callback) => void stopCallbacks.push(callback),
      provide: <N extends ServiceName>(name: N, service: Services[N]) => {
        if (!module.provides?.includes(name)) throw new Error(`module ${module.name} provides '${name}' without declaring it in provides`);
        core.services.add(module.name, name, service);
      },
      require: <N extends ServiceName>(name: N): Services[N] => {
        const provider = providers.get(name);
        if (!provider || !module.depends?.includes(provider)) {
          throw new Error(`module ${module.name} requires '${name}' without declaring the module that provides it${provider ? ` (${provider})` : ''} in depends`);
        }
        const service = core.services.find(name);
        if (!service) throw new Error(`module ${module.name} requires '${name}', which module ${provider} did not provide (is it turned off?)`);
        return service;
      },
    };
    try {
      await module.setup(context);
    } catch (error) {
      // What the modules before it opened (listeners, timers) closes again.
      await stop();
      throw error;
    }
  }
  return { modules: ordered, stop };
}

/** Which module declares each service. */
function providersOf(modules: readonly ServerModule[]): Map<string, string> {
  const providers = new Map<string, string>();
  for (const module of modules) {
    for (const name of module.provides ?? []) {
      const other = providers.get(name);
      if (other) throw new ModuleGraphError(`modules ${other} and ${module.name} both provide '${name}'`);
      providers.set(name, module.name);
    }
  }
  return providers;
}
