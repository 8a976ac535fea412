/**
 * What `npm run test:long` runs and `npm test` leaves out (jest.long.config.js, jest.config.js): files that take
 * minutes each against the real stack, and the slower proofs `npm test`'s faster ones cover in part (crashes and
 * concurrency are in the chaos programs; upgrades in the replay of recorded histories). Folders and single files,
 * relative to the repository.
 */
module.exports = {
  folders: ['test/baseline', 'test/closure'],
  files: [
    'test/operations/doctor.test.ts',
    'test/operations/local-stack.test.ts',
    'test/operations/metrics.test.ts',
    'test/vending/worker-crash.test.ts',
    'test/vending/concurrent-requests.test.ts',
    'test/upgrade/rolling-deploy.test.ts',
    'test/upgrade/workflow-task-failure.test.ts',
    'test/sandbox/persistence-kill.test.ts',
    'test/sandbox/persistence.test.ts',
    'test/vending/creation-slots.test.ts',
  ],
};
