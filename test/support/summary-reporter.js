// Prints the plain closing line that CI reads ("N passed, N failed"); with
// PTUNNEL_TEST_SUMMARY_FILE set it also appends the counts there, so that .ci/run can add up
// several jest runs and print one total as its last line. With PTUNNEL_TEST_FAILURES_FILE set it
// appends one line per failed test (file, name, first line of the reason): CI logs are often
// kept as their head and tail only, and jest prints failures in the middle.
const { appendFileSync } = require('node:fs');
const { relative } = require('node:path');

function firstLine(text) {
  // Jest's messages carry colour codes; the line is for a log, not a terminal.
  // eslint-disable-next-line no-control-regex
  const plain = String(text ?? '').replace(/\u001b\[[0-9;]*m/g, '');
  const line = plain.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const passed = results.numPassedTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
    if (process.env.PTUNNEL_TEST_SUMMARY_FILE) {
      appendFileSync(process.env.PTUNNEL_TEST_SUMMARY_FILE, `${passed} ${failed}\n`);
    }
    const failuresFile = process.env.PTUNNEL_TEST_FAILURES_FILE;
    if (!failuresFile) return;
    const lines = [];
    for (const suite of results.testResults) {
      const file = relative(process.cwd(), suite.testFilePath);
      if (suite.testExecError) lines.push(`${file}: the file did not run: ${firstLine(suite.testExecError.message)}`);
      for (const t of suite.testResults) {
        if (t.status === 'failed') lines.push(`${file} › ${t.fullName}: ${firstLine(t.failureMessages[0])}`);
      }
    }
    if (lines.length > 0) appendFileSync(failuresFile, `${lines.join('\n')}\n`);
  }
}
module.exports = SummaryReporter;
