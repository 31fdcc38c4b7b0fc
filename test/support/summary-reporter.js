// Prints the plain closing line that CI reads ("N passed, N failed"); with
// PTUNNEL_TEST_SUMMARY_FILE set it also appends the counts there, so that .ci/run can add up
// several jest runs and print one total as its last line.
const { appendFileSync } = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const passed = results.numPassedTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
    if (process.env.PTUNNEL_TEST_SUMMARY_FILE) {
      appendFileSync(process.env.PTUNNEL_TEST_SUMMARY_FILE, `${passed} ${failed}\n`);
    }
  }
}
module.exports = SummaryReporter;
