// Prints the plain closing line CI reads ("N passed, N failed") after each jest run, and, when
// TEST_COUNTS_FILE is set, appends the counts so .ci/run can print the total over all projects.
const { appendFileSync } = require('node:fs');

class CountsReporter {
  onRunComplete(_contexts, results) {
    const line = `${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests} skipped`;
    process.stdout.write(`\n${line}\n`);
    if (process.env.TEST_COUNTS_FILE) {
      appendFileSync(
        process.env.TEST_COUNTS_FILE,
        `${JSON.stringify({ passed: results.numPassedTests, failed: results.numFailedTests, skipped: results.numPendingTests })}\n`,
      );
    }
  }
}

module.exports = CountsReporter;
