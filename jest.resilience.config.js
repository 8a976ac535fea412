/** `npm run test:resilience`: worker and server crashes, restarts and injected faults, one file at a time. */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/resilience'],
  testPathIgnorePatterns: ['/node_modules/'],
  maxWorkers: 1,
  testTimeout: 300_000,
  // After the Temporal server is killed and restarted, a client connection's reconnect timer keeps Node alive past
  // the last test (every test has finished and asserted by then); not yet traced to its owner.
  forceExit: true,
};
