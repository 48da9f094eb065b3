/**
 * The stage boundaries of ARCHITECTURE.md, checked on every `npm test`: data flows one way
 * (sources → reader → filters → sinks → pipeline → cli, with the domain in cloudtrail/ and
 * helpers in util/), and each folder under src/ imports only what comes before it in the flow.
 * Type-only imports count too: a type is a dependency on the stage that owns it.
 */
const STAGES = {
  util: [],
  cloudtrail: ['util'],
  sources: ['cloudtrail', 'util'],
  reader: ['sources', 'cloudtrail', 'util'],
  filters: ['reader', 'cloudtrail', 'util'],
  rules: ['filters', 'reader', 'cloudtrail', 'util'],
  sql: ['filters', 'cloudtrail', 'util'],
  sinks: ['rules', 'sql', 'filters', 'reader', 'sources', 'cloudtrail', 'util'],
  pipeline: ['sinks', 'rules', 'sql', 'filters', 'reader', 'sources', 'cloudtrail', 'util'],
  cli: ['pipeline', 'sinks', 'rules', 'sql', 'filters', 'reader', 'sources', 'cloudtrail', 'util'],
};

const stageRules = Object.entries(STAGES).map(([stage, allowed]) => ({
  name: `${stage}-imports-only-earlier-stages`,
  comment: `src/${stage}/ may import ${allowed.length ? allowed.map((s) => `src/${s}/`).join(', ') : 'nothing of ours'} (ARCHITECTURE.md)`,
  severity: 'error',
  from: { path: `^src/${stage}/` },
  to: { path: '^src/', pathNot: [`^src/${stage}/`, ...allowed.map((s) => `^src/${s}/`)] },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Modules that import each other cannot be understood, tested or loaded one without the other.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'stages-are-known',
      comment: 'Every module belongs to a stage folder: add a new folder to STAGES (and to ARCHITECTURE.md) first.',
      severity: 'error',
      from: { path: '^src/', pathNot: [`^src/(${Object.keys(STAGES).join('|')})/`] },
      to: {},
    },
    ...stageRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6'],
  },
};
