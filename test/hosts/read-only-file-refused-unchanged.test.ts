import { chmodSync, chownSync, readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { cleanEnv } from '../support/cli';
import { runCliAsNobody } from '../support/cli-any-user';
import { hostsFile } from '../support/hosts-files';

const ORIGINAL = '127.0.0.1 localhost\n10.0.0.1 intranet\n';
const root = process.getuid?.() === 0;

/**
 * What a user without the rights sees; the kernel refuses, not a check of ptunnel's own. The
 * CLI runs as nobody (a process of its own, as a user would start it), so the test needs root.
 */
(root ? describe : describe.skip)(`a hosts file the user may not write${root ? '' : ' (skipped: needs root to run ptunnel as nobody)'}`, () => {
  it('owned by root in a root folder (like /etc/hosts): refused, file and folder untouched', () => {
    const file = hostsFile(ORIGINAL);
    chmodSync(file, 0o644);
    const r = runCliAsNobody(['hosts', '--preset', 'gmail', '--apply', '--file', file], cleanEnv());
    expect({ status: r.status, stderr: r.stderr.trim() }).toEqual({
      status: 2,
      stderr: `ptunnel: cannot write hosts file ${file}: permission denied; run it as root (sudo ptunnel hosts ...) (the file was not changed)`,
    });
    expect(readFileSync(file, 'utf8')).toBe(ORIGINAL);
    expect(readdirSync(dirname(file))).toEqual(['hosts']);
  });

  it('read-only although the folder is writable: refused rather than replaced by rename', () => {
    const file = hostsFile(ORIGINAL);
    chmodSync(dirname(file), 0o777);
    chownSync(file, 65534, 65534);
    chmodSync(file, 0o444);
    const r = runCliAsNobody(['hosts', '--preset', 'gmail', '--remove', '--file', file], cleanEnv());
    // Nothing to remove writes nothing, so that is fine even read-only ...
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    const a = runCliAsNobody(['hosts', '--preset', 'gmail', '--apply', '--file', file], cleanEnv());
    // ... but adding the block is refused.
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/^ptunnel: cannot write hosts file .*: permission denied/);
    expect(readFileSync(file, 'utf8')).toBe(ORIGINAL);
    expect(readdirSync(dirname(file))).toEqual(['hosts']);
  });
});
