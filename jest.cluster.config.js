/**
 * `npm run test:cluster`: the team deployment run natively (cluster/): PostgreSQL, the Temporal server built from
 * its pinned version, two workers and two APIs on the pinned Node.js, through crashes and restarts. Its global setup
 * builds or fetches the pinned toolchain (the first time: several minutes); the suite's own dev server is not used.
 */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/cluster'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/test/cluster/global-setup.ts',
  globalTeardown: undefined,
  maxWorkers: 1,
  testTimeout: 600_000,
  // As in the resilience suite: after the Temporal server is killed and restarted, a client connection's reconnect
  // timer keeps Node alive for a while past the last test (every test has finished and asserted by then).
  forceExit: true,
};
