/**
 * What modules offer each other, by name (Prosody's module:provides and
 * module:depends). A module declares `provides: ['pep']` and, in setup,
 * calls ctx.provide('pep', service); a module that declares
 * `depends: ['pep']` gets it with ctx.require('pep'). Each providing module
 * adds its entry to this map from its public api.ts by declaration merging:
 *
 *   declare module '../../core/services.ts' {
 *     interface Services { pep: Pep }
 *   }
 *
 * so a service is typed where it is required, and no module imports another
 * module's code to reach it.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging (see above)
export interface Services {}

export type ServiceName = keyof Services & string;

export class ServiceRegistry {
  readonly #services = new Map<string, { provider: string; service: unknown }>();

  /** Called through ModuleContext.provide, which checks the module declared it. */
  add<N extends ServiceName>(provider: string, name: N, service: Services[N]): void {
    const existing = this.#services.get(name);
    if (existing) throw new Error(`module ${provider} provides '${name}', which module ${existing.provider} already provides`);
    this.#services.set(name, { provider, service });
  }

  /**
   * A service if some module provided it. For code outside the modules
   * (the s2s admin commands on the ad-hoc frame) that works without it;
   * modules use ctx.require, which also checks their declared dependencies.
   */
  find<N extends ServiceName>(name: N): Services[N] | undefined {
    return this.#services.get(name)?.service as Services[N] | undefined;
  }
}
