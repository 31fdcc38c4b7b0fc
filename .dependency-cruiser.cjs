/**
 * Folder rules for src/ (npm run lint). Folders depend one way, top to bottom; a folder may import
 * its own files and folders in lower layers only, so no folder-level cycle can form. Folders in
 * one layer do not import each other. See the README's Layout section.
 */
const LAYERS = [
  ['main.ts'],
  ['cli'],
  ['commands'],
  ['admin'],
  ['tunnel'],
  ['listeners'],
  ['proxy'],
  ['config'],
  ['dns', 'presets', 'hosts', 'service'],
  ['net', 'log'],
  ['util'],
  ['errors.ts'],
];

const path = (entry) => (entry.endsWith('.ts') ? `^src/${entry.replace('.', '\\.')}$` : `^src/${entry}/`);

// The top layer alone (src/main.ts) has nothing it must not import: an empty path list would
// match every module, so it gets no rule.
const layering = LAYERS.flatMap((layer, i) =>
  layer.flatMap((entry) => {
    const notBelow = [...LAYERS.slice(0, i).flat(), ...layer.filter((e) => e !== entry)];
    if (notBelow.length === 0) return [];
    return {
      name: `layer-${entry.replace('.ts', '')}`,
      comment: `src/${entry} may import only folders below it: ${LAYERS.slice(i + 1).flat().join(', ')}`,
      severity: 'error',
      from: { path: path(entry) },
      to: { path: notBelow.map(path) },
    };
  }),
);

module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycle',
      comment: 'folders of src/ must not import each other in a circle',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-module-cycle',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'src-stands-alone',
      comment: 'src/ never imports tests, benchmarks or packaging code',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|helm|deploy)/' },
    },
    ...layering,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
