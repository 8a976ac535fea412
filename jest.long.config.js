/**
 * `npm run test:long`: what takes minutes a file, against the real stack, run by CI beside `npm test` (which keeps a
 * budget of a few minutes): the rest of an account's life at full length (the day-1 baseline: every step, worker kills
 * inside each step, the region quota at 20 accounts, operator decisions, restarts; closure: the lifecycle through the
 * API, 40 closures against a quota of 20, refusals, restarts) and the operator tools run as a person runs them
 * (`npm start` end to end, `vend doctor` against broken organizations). The list: test/long-suite.js.
 */
const base = require('./jest.config');
const long = require('./test/long-suite');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: [...long.folders.map((f) => `<rootDir>/${f}/**/*.test.ts`), ...long.files.map((f) => `<rootDir>/${f}`)],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 300_000,
};
