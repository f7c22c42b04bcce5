/**
 * The layers of src/ (README "How it works"), checked by `npm test`:
 *
 *   core      pure code, the seam's types, small fs helpers  imports nothing else of src/
 *   index     the engines and all SQL                      core
 *   sync      one run (writes through the seam)            core
 *   live      watching, batching, single flight            sync, core
 *   http, mcp the faces                                    core; types only of live, sync
 *   commands  the composition root                         anything
 *   cli.ts    the bin                                      commands, core
 *
 * and of web/ (the page): views (view-*.js) never import each other — they render from
 * the store (store.js), which imports nothing, and app.js wires them together.
 *
 * A wrong import fails with the rule's name and the import that broke it.
 */
const LAYERS = ['core', 'index', 'sync', 'live', 'http', 'mcp', 'commands'];
const others = (...allowed) => `^src/(${LAYERS.filter((l) => !allowed.includes(l)).join('|')})/|^src/cli\\.ts$`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-nothing',
      comment: 'src/core (pure code, the storage seam, small fs helpers every layer shares) imports nothing else of src/.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: others('core') },
    },
    {
      name: 'index-imports-core-only',
      comment: 'src/index (engines, SQL) builds on src/core only.',
      severity: 'error',
      from: { path: '^src/index/' },
      to: { path: others('core', 'index') },
    },
    {
      name: 'sync-imports-core-only',
      comment: 'src/sync writes through the seam (src/core), never an engine.',
      severity: 'error',
      from: { path: '^src/sync/' },
      to: { path: others('core', 'sync') },
    },
    {
      name: 'live-imports-sync-and-core',
      comment: 'src/live drives runs (src/sync) over the seam (src/core).',
      severity: 'error',
      from: { path: '^src/live/' },
      to: { path: others('core', 'sync', 'live') },
    },
    {
      name: 'faces-import-core',
      comment: 'src/http and src/mcp read through the seam (src/core); live and sync only as types.',
      severity: 'error',
      from: { path: '^src/(http|mcp)/' },
      to: { path: others('core', 'http', 'mcp', 'live', 'sync') },
    },
    {
      name: 'faces-take-only-types-of-live-and-sync',
      comment: 'A face gets live and sync objects from the composition root: it may name their types, not import their code.',
      severity: 'error',
      from: { path: '^src/(http|mcp)/' },
      to: { path: '^src/(live|sync)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'faces-do-not-import-each-other',
      comment: 'http and mcp are separate faces over the same query layer.',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^src/mcp/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'cli-imports-commands-and-core',
      comment: 'src/cli.ts hands over to a command.',
      severity: 'error',
      from: { path: '^src/cli\\.ts$' },
      to: { path: others('core', 'commands') },
    },
    {
      name: 'web-views-do-not-import-views',
      comment: 'A view renders from the store; what two views share lives in a module below both (lists.js, format.js).',
      severity: 'error',
      from: { path: '^web/view-' },
      to: { path: '^web/view-' },
    },
    {
      name: 'web-store-imports-nothing',
      comment: 'web/store.js is the bottom of the page: everything may read it, it reads nothing.',
      severity: 'error',
      from: { path: '^web/store\\.js$' },
      to: { path: '^web/' },
    },
    {
      name: 'no-circular',
      comment: 'No circle of imports, in src/ or web/.',
      severity: 'error',
      from: { path: '^(src|web)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^(src|web)/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
    // `import type` counts as a dependency (so a type circle is a circle too) but is told apart.
    moduleSystems: ['es6'],
  },
};
