/**
 * The import graph's rules (run by `npm run lint`): no cycles, and no arrow from a lower layer to a higher one.
 * Layers, lowest first:
 *   contract                      the shared vocabulary: schemas, messages, stages, quotas (imports nothing of ours)
 *   config, tooling               env parsing and the Temporal connection; processes and the pinned toolchain
 *   workflows, activities, encryption
 *   sandbox                       the local AWS (uses tooling to run moto)
 *   worker, client                the two deployables; siblings, neither imports the other
 *   scripts, cluster, bench, test the commands and checks that put everything together
 */
const layer = (name, mayImport, alsoAllowed = []) => ({
  name: `${name}-imports-only-lower-layers`,
  severity: 'error',
  comment: `${name}/ may import only ${mayImport.join(', ')} of ours (see the layer list in .dependency-cruiser.cjs)`,
  from: { path: `^${name}/` },
  to: {
    path: '^(contract|config|tooling|workflows|activities|encryption|sandbox|worker|client|scripts|cluster|bench|test)/',
    pathNot: [`^(${[name, ...mayImport].join('|')})/`, ...alsoAllowed],
  },
});

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle ties modules into one; break it by moving the shared piece down. (A cycle through type-only imports is erased at compile time and allowed.)',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    layer('contract', []),
    layer('config', ['contract']),
    layer('tooling', ['contract', 'config']),
    // Workflows see activity TYPES only (erased at bundle time); the rule below says the same for the implementation.
    layer('workflows', ['contract'], ['^activities/types\\.ts$']),
    layer('activities', ['contract', 'config']),
    layer('encryption', ['contract', 'config']),
    layer('sandbox', ['contract', 'config', 'tooling']),
    layer('worker', ['contract', 'config', 'tooling', 'workflows', 'activities', 'encryption']),
    layer('client', ['contract', 'config', 'activities', 'encryption']),
    {
      name: 'workflows-import-activity-types-only',
      severity: 'error',
      comment: 'Workflow code is bundled apart from activities: it may see their types, never their implementation.',
      from: { path: '^workflows/' },
      to: { path: '^activities/', pathNot: '^activities/types\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|\\.tools|\\.data|dist|test/replay/histories)/' },
  },
};
