/**
 * Prints the plain closing line "tests: N passed, N failed" (", N skipped") that CI tooling reads, after Jest's own
 * summary; and each test file's wall time, slowest first, into test-artifacts/test-durations.json (the split between
 * `npm test` and the longer suites is decided from it).
 */
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
    this.durations = [];
  }

  onTestResult(_test, result) {
    const seconds = (result.perfStats.end - result.perfStats.start) / 1000;
    this.durations.push({ file: path.relative(this.rootDir, result.testFilePath), seconds: Math.round(seconds * 10) / 10 });
  }

  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const suitesFailed = results.numFailedTestSuites;
    try {
      const dir = path.join(this.rootDir, 'test-artifacts');
      fs.mkdirSync(dir, { recursive: true });
      this.durations.sort((a, b) => b.seconds - a.seconds);
      fs.writeFileSync(path.join(dir, 'test-durations.json'), `${JSON.stringify(this.durations, null, 2)}\n`);
    } catch {
      // The durations are a convenience; the run's result does not depend on them.
    }
    process.stdout.write(
      `tests: ${results.numPassedTests} passed, ${results.numFailedTests + (results.numRuntimeErrorTestSuites ?? 0)} failed` +
        (skipped ? `, ${skipped} skipped` : '') +
        '\n',
    );
    if (suitesFailed && !results.numFailedTests) process.stdout.write(`(${suitesFailed} test file(s) failed to run)\n`);
  }
}
module.exports = SummaryReporter;
