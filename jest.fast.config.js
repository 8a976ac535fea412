/**
 * `npm run test:fast`: the fast tier, part of `npm test` too. Pure tests (rules, schemas, codecs, signatures, the
 * sandbox's bucket arithmetic) and workflow tests with stubbed activities on the time-skipping test server: no dev
 * server, no sandbox, seconds in all.
 */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/fast'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/test/fast/support/global-setup.ts',
  globalTeardown: undefined,
  testTimeout: 30_000,
};
