/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testTimeout: 60000,
  // Names every missing tool or privilege once, with its install line (fails under CI=true).
  globalSetup: '<rootDir>/test/support/preflight.js',
  // Real servers (squid, dnsmasq) start per file; two cores do not gain from more workers.
  maxWorkers: 2,
  reporters: [['default', { summaryThreshold: 0 }], '<rootDir>/test/support/summary-reporter.js'],
};
