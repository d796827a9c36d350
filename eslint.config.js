import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * The layers, lowest first. A module may import from its own folder and from any folder of
 * a lower layer; never from a higher layer, and never from a sibling on its own layer.
 *
 *   1. core         errors, exit codes, durations, secrets, version
 *   2. record       the run record's vocabulary: schema, measurements, NDJSON lines, run dirs
 *   3. reports      renderers: they read the vocabulary and nothing else
 *   4. statistics   estimates, intervals and change points over the record's distributions
 *                   (pure functions; above reports, so renderers draw only what the record holds)
 *   5. thresholds   SLO expressions, judged against the vocabulary's summaries
 *   6. config       the config schema, its loading and defaults
 *   7. scenarios    route mixes, profiles, stages, think time, session pools
 *   8. engine, k6, signals      producers: load engines, the k6 bridge, watcher/alerts/logs
 *   9. validation, sandbox      the cutover checks (on the watcher); the CE Pro stand-in
 *  10. runs         library entry points: one path from config to a record
 *  11. cli          the command-line shell
 *  12. index.ts     the package's public surface
 *
 * Data flows config -> producers -> record -> renderers; imports point down this list.
 * test/, bench/, docs/ and scripts/ sit outside it and may import anything.
 */
const LAYERS = [
  ['core'],
  ['record'],
  ['reports'],
  ['statistics'],
  ['thresholds'],
  ['config'],
  ['scenarios'],
  ['engine', 'k6', 'signals'],
  ['validation', 'sandbox'],
  ['runs'],
  ['cli'],
  ['index.ts'],
];

const zones = LAYERS.flatMap((layer, i) => {
  const higher = LAYERS.slice(i + 1).flat();
  return layer.map((folder) => ({
    target: `./${folder}`,
    from: [...higher, ...layer.filter((sibling) => sibling !== folder)].map((f) => `./${f}`),
    message: `${folder} is layer ${i + 1}: it may not import from a higher layer or a sibling (see the layer list at the top of eslint.config.js)`,
  }));
}).filter((zone) => zone.from.length > 0);

export default tseslint.config(
  { ignores: ['node_modules/', 'reports/runs/', 'test-output/', 'coverage/', 'test/fixtures/', 'bench/tmp/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', AbortController: 'readonly', setTimeout: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    ignores: ['test/**', 'bench/**', 'docs/**', 'scripts/**'],
    plugins: { 'import-x': importX },
    rules: { 'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones }] },
  },
);
