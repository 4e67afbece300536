// What must never import what (issue 12). Each package's `lint` runs
// dependency-cruiser on its own folders with this file; paths are from the
// repository root (baseDir), so one set of rules serves every package.
// dependency-cruiser rather than an ESLint plugin: it sees the whole graph
// (cycles, not only one file's imports) and tells type-only imports from
// imports that run code, which the module rule below depends on.
const SERVER = '^apps/server/src/';
const MODULES = `${SERVER}modules/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'shared-packages-stand-alone',
      comment: 'packages/* (protocol, crypto, storage) are shared by both apps: they never reach into an app.',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^(apps|bench)/' },
    },
    {
      name: 'protocol-below-storage',
      comment: 'protocol describes XMPP; storage and crypto may use its types, never the other way round.',
      severity: 'error',
      from: { path: '^packages/protocol/' },
      to: { path: '^packages/(storage|crypto)/' },
    },
    {
      name: 'core-knows-no-module',
      comment: 'The core routes and dispatches; features plug into it (hooks, services), it never imports them.',
      severity: 'error',
      from: { path: `${SERVER}core/` },
      to: { path: `${MODULES}|${SERVER}(c2s|s2s|http|cli|cluster)/|${SERVER}server\\.ts$` },
    },
    {
      name: 'module-uses-no-other-module-internals',
      comment:
        'A module reaches another one only through its api.ts (services, events), through hooks, or through protocol code. ' +
        'Test helpers of a module (testing.ts) are for tests.',
      severity: 'error',
      from: { path: `${MODULES}([^/]+)/` },
      to: { path: MODULES, pathNot: [`${MODULES}$1/`, `${MODULES}[^/]+/api\\.ts$`] },
    },
    {
      name: 'module-api-is-types',
      comment: "Another module's api.ts is imported for its types only (import type): its code is reached through ctx.require.",
      severity: 'error',
      from: { path: `${MODULES}([^/]+)/` },
      to: { path: `${MODULES}[^/]+/api\\.ts$`, pathNot: `${MODULES}$1/`, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'modules-not-transports',
      comment: 'Modules see sessions, streams and the other nodes through the core (core/sessions.ts, core/events.ts, core/cluster.ts), never the c2s/s2s/HTTP/cluster code.',
      severity: 'error',
      from: { path: MODULES },
      to: { path: `${SERVER}(c2s|s2s|http|cli|cluster)/|${SERVER}server\\.ts$` },
    },
    {
      name: 'server-code-uses-module-api',
      comment:
        'Outside the modules (c2s, s2s, the command line…) a module is reached through its api.ts and the services; ' +
        'only the module list names the modules, and tests may use a module\'s test helpers.',
      severity: 'error',
      from: { path: SERVER, pathNot: [MODULES, '\\.test\\.ts$'] },
      to: { path: `${MODULES}[^/]+/`, pathNot: `${MODULES}[^/]+/api\\.ts$` },
    },
    {
      name: 'server-tests-use-module-test-helpers',
      comment: 'A test outside a module may use its test helpers (testing.ts) and api.ts, nothing else of it.',
      severity: 'error',
      from: { path: `${SERVER}.*\\.test\\.ts$`, pathNot: MODULES },
      to: { path: `${MODULES}[^/]+/`, pathNot: `${MODULES}[^/]+/(api|testing)\\.ts$` },
    },
    {
      name: 'bench-uses-server-exports',
      comment: 'The benchmark uses @conexizan/server as any other package would: its exports (package.json), not its files.',
      severity: 'error',
      from: { path: '^bench/' },
      to: { path: '^apps/server/', pathNot: '^apps/server/(src/index\\.ts|bin/conexizan\\.mjs|package\\.json)$' },
    },
    {
      name: 'web-views-use-the-session-api',
      comment:
        "Views talk to the session's public API (src/session/index.ts) and its model types only: never to its files, " +
        'the raw XMPP connection (@xmpp/client) or what the browser stores (idb).',
      severity: 'error',
      from: { path: '^apps/web/src/views/', pathNot: '\\.test\\.tsx?$' },
      to: { path: '^apps/web/src/session/|(^|/)node_modules/(@xmpp/|idb/)|^packages/storage/', pathNot: '^apps/web/src/session/index\\.ts$' },
    },
  ],
  options: {
    baseDir: `${__dirname}`,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|generated)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'default', 'types'], extensions: ['.ts', '.tsx', '.js', '.mjs'] },
  },
};
