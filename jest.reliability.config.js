/**
 * The reliability suite (npm run test:reliability): soak under proxy restarts, slow reader,
 * connection limit, descriptor exhaustion. Minutes long, so kept out of `npm test` by its own
 * root and file suffix (*.reliability.ts). Run `npm run build` first: the tests spawn dist/main.js.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/reliability'],
  testMatch: ['**/*.reliability.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testTimeout: 300000,
  // The soak owns one worker for its whole run; the short files share the other.
  maxWorkers: 2,
  reporters: [['default', { summaryThreshold: 0 }], '<rootDir>/test/support/summary-reporter.js'],
};
