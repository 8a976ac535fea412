/**
 * What `npm run test:long` runs and `npm test` leaves out (jest.long.config.js, jest.config.js): files that take
 * minutes each against the real stack. Folders and single files, relative to the repository.
 */
module.exports = {
  folders: ['test/baseline', 'test/closure'],
  files: ['test/operations/doctor.test.ts', 'test/operations/local-stack.test.ts'],
};
