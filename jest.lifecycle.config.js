/**
 * `npm run test:lifecycle`: the rest of an account's life at full length, against the real stack: the day-1 baseline
 * (every step, worker kills inside each step, the region quota at 20 accounts, operator decisions, restarts) and
 * account closure (the lifecycle through the API, 40 closures against a quota of 20, refusals, restarts). They take
 * minutes each, so they run beside `npm test` in CI (.ci/run) rather than inside its time budget.
 */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/baseline', '<rootDir>/test/closure'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 300_000,
};
