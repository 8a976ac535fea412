const long = require('./test/long-suite');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Longer suites have their own commands, run by CI beside this one: files that take minutes each (npm run
  // test:long, listed in test/long-suite.js), crashes and restarts at scale (npm run test:resilience), the native
  // cluster (npm run test:cluster).
  testPathIgnorePatterns: [
    '/node_modules/',
    '<rootDir>/test/resilience/',
    '<rootDir>/test/cluster/',
    ...long.folders.map((f) => `<rootDir>/${f}/`),
    ...long.files.map((f) => `<rootDir>/${f}$`),
  ],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Two cores: two test files at a time; each file brings its own sandbox and worker.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  testTimeout: 60_000,
  // Activities and servers may log after a test ends; fail loudly on leaked handles instead of hanging.
  forceExit: false,
};
