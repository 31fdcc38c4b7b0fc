import { chmodSync, chownSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { backupPath } from '../../src/hosts/file';
import { hosts, hostsFile } from '../support/hosts-files';
import { needsRoot } from '../support/root';

const notRoot = needsRoot('giving the file another owner');

const ORIGINAL = '127.0.0.1 localhost\n';

describe('writing the hosts file', () => {
  (notRoot ? it.skip : it)(`replaces it by rename (a new inode) with the old mode and owner, and keeps a backup${notRoot ? ` (skipped: ${notRoot})` : ''}`, async () => {
    const file = hostsFile(ORIGINAL);
    chownSync(file, 1234, 2345);
    chmodSync(file, 0o640);
    const before = statSync(file);
    const r = await hosts('--preset', 'gmail', '--apply', '--file', file);
    expect(r.stdout).toBe(`hosts file ${file}: wrote the ptunnel block for gmail (previous version in ${file}.ptunnel.bak)\n`);
    const after = statSync(file);
    expect(after.ino).not.toBe(before.ino);
    expect(after.mode & 0o7777).toBe(0o640);
    expect([after.uid, after.gid]).toEqual([1234, 2345]);
    expect(readFileSync(backupPath(file), 'utf8')).toBe(ORIGINAL);
    expect(statSync(backupPath(file)).mode & 0o7777).toBe(0o640);
    // No temporary file is left behind.
    expect(readdirSync(dirname(file)).sort()).toEqual(['hosts', 'hosts.ptunnel.bak']);
  });

  it('follows a symlinked hosts file and leaves the link in place', async () => {
    const target = hostsFile(ORIGINAL, 'hosts.real');
    const link = join(dirname(target), 'hosts');
    symlinkSync(target, link);
    await hosts('--preset', 'gmail', '--apply', '--file', link);
    expect(readlinkSync(link)).toBe(target);
    expect(readFileSync(target, 'utf8')).toMatch(/# BEGIN ptunnel gmail/);
  });
});
