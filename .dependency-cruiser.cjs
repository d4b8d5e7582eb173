/**
 * The architecture's rules, checked by `npm run lint` (dependency-cruiser). See
 * docs/architecture.md for the picture. Contexts under src/, each allowed to use only those
 * below it:
 *
 *   surfaces    the API, preference center, admin, webhooks, CLI: the doors people use
 *   trust       reports and feedback: read what the programmes did
 *   programmes  campaigns, content, cadence, lifecycle, watchdog, signup, the scheduler
 *   messaging   the send ledger (delivery), rendering, alerts
 *   audience    subscribers, topics, consent, suppressions
 *   platform    config, database, queue, Redis, HTTP, errors, logging, metrics, health, tokens
 *
 * Extension points (decorators such as @SendCheck, @OnSchedulerTick) let a higher context plug
 * into a lower one without the lower one importing it.
 */
const CONTEXTS = ['platform', 'audience', 'messaging', 'programmes', 'trust', 'surfaces'];

/** One rule per context: it may not import a context above it. */
const layers = CONTEXTS.slice(0, -1).map((context, i) => ({
  name: `${context}-uses-only-lower-contexts`,
  comment: `src/${context} may use only ${CONTEXTS.slice(0, i + 1).join(', ')}`,
  severity: 'error',
  from: { path: `^src/${context}/` },
  to: { path: `^src/(${CONTEXTS.slice(i + 1).join('|')})/` },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layers,
    {
      name: 'no-circular',
      comment: 'Files that import each other: the shared piece belongs in its own file.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      comment: 'Folders that import each other: one of them owns what both need.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'src-not-to-tests',
      comment: 'Application code never imports tests, benchmarks or their support.',
      severity: 'error',
      from: { path: '^src/', pathNot: '[.]spec[.]ts$' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Tests depend on the application, not the other way round: follow nothing out of them.
    doNotFollow: { path: '^(node_modules|test|bench)/' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
