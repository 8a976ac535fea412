/**
 * Prints the plain closing line "tests: N passed, N failed" (", N skipped") that CI tooling reads, after Jest's own
 * summary.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const suitesFailed = results.numFailedTestSuites;
    process.stdout.write(
      `tests: ${results.numPassedTests} passed, ${results.numFailedTests + (results.numRuntimeErrorTestSuites ?? 0)} failed` +
        (skipped ? `, ${skipped} skipped` : '') +
        '\n',
    );
    if (suitesFailed && !results.numFailedTests) process.stdout.write(`(${suitesFailed} test file(s) failed to run)\n`);
  }
}
module.exports = SummaryReporter;
