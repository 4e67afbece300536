import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics (served on the HTTP port, see http/operations.ts). */
export interface Metrics {
  registry: Registry;
  connections: Gauge<'transport'>;
  sessions: Gauge;
  stanzasRouted: Counter<'kind'>;
  errors: Counter<'where'>;
  storageLatency: Histogram<'operation'>;
  logins: Counter<'result'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'conexizan_process_' });
  return {
    registry,
    connections: new Gauge({ name: 'conexizan_connections', help: 'Open client connections by transport', labelNames: ['transport'], registers: [registry] }),
    sessions: new Gauge({ name: 'conexizan_sessions', help: 'Bound client resources', registers: [registry] }),
    stanzasRouted: new Counter({ name: 'conexizan_stanzas_routed_total', help: 'Stanzas through the router by kind', labelNames: ['kind'], registers: [registry] }),
    errors: new Counter({ name: 'conexizan_errors_total', help: 'Internal errors by where they happened', labelNames: ['where'], registers: [registry] }),
    storageLatency: new Histogram({
      name: 'conexizan_storage_seconds', help: 'Storage call latency by operation', labelNames: ['operation'], registers: [registry],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    }),
    logins: new Counter({ name: 'conexizan_logins_total', help: 'SASL authentications by result', labelNames: ['result'], registers: [registry] }),
  };
}
