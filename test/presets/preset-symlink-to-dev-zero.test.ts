import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli';

/** A preset is read like any other file: a regular file of at most 1 MiB (a /dev/zero link reached 15 GB). */
describe('a presets directory', () => {
  it.each([
    ['a symlink to /dev/zero', (file: string) => symlinkSync('/dev/zero', file), /preset file .*mine\.yaml is not a regular file/],
    ['a FIFO', (file: string) => execFileSync('mkfifo', [file]), /preset file .*mine\.yaml is not a regular file \(it is a named pipe\)/],
    ['a 2 MiB file', (file: string) => writeFileSync(file, `# ${'x'.repeat(2 * 1024 * 1024)}\n`), /preset file .*mine\.yaml is larger than 1 MiB/],
  ])('holding %s: exit 2, one line, at once', (_what, make, problem) => {
    const dir = mkdtempSync(join(tmpdir(), 'ptunnel-presets-zero-'));
    make(join(dir, 'mine.yaml'));
    const started = Date.now();
    const r = runCli(['--presets-dir', dir, '--preset', 'gmail', '--print-config']);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(problem);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
