import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backupPath } from '../../src/hosts/file';
import { hosts, hostsFile } from '../support/hosts-files';

describe('applying twice', () => {
  it('writes nothing the second time: same bytes, same inode, same backup', async () => {
    const file = hostsFile('127.0.0.1 localhost\n');
    await hosts('--preset', 'gmail', '--apply', '--file', file);
    const first = { text: readFileSync(file, 'utf8'), ino: statSync(file).ino, backup: readFileSync(backupPath(file), 'utf8') };
    const again = await hosts('--preset', 'gmail', '--apply', '--file', file);
    expect(again.stdout).toMatch(/already up to date, nothing written/);
    expect(readFileSync(file, 'utf8')).toBe(first.text);
    expect(statSync(file).ino).toBe(first.ino);
    expect(readFileSync(backupPath(file), 'utf8')).toBe(first.backup);
  });

  it('removing a block that is not there writes nothing either', async () => {
    const file = hostsFile('127.0.0.1 localhost\n');
    const r = await hosts('--preset', 'gmail', '--remove', '--file', file);
    expect(r.stdout).toMatch(/no ptunnel block for gmail, nothing written/);
    expect(existsSync(backupPath(file))).toBe(false);
  });

  it('replaces an outdated block in place, keeping the lines around it', async () => {
    const file = hostsFile('127.0.0.1 localhost\n# BEGIN ptunnel gmail\n127.0.0.1 imap.gmail.com\n# END ptunnel gmail\n10.0.0.1 after\n');
    await hosts('--preset', 'gmail', '--apply', '--file', file);
    expect(readFileSync(file, 'utf8')).toBe(
      '127.0.0.1 localhost\n# BEGIN ptunnel gmail\n127.0.0.1 imap.gmail.com\n::1 imap.gmail.com\n127.0.0.1 smtp.gmail.com\n::1 smtp.gmail.com\n# END ptunnel gmail\n10.0.0.1 after\n',
    );
  });

  it('follows a changed user preset (and its address)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptunnel-presets-'));
    writeFileSync(join(dir, 'work.yaml'), 'name: work\ndescription: d\ntunnels:\n  - { local: 20993, host: mail.corp.example, port: 993 }\n');
    const file = hostsFile('');
    await hosts('--preset', 'work', '--apply', '--file', file, '--presets-dir', dir, '--address', '127.0.0.2');
    expect(readFileSync(file, 'utf8')).toBe('# BEGIN ptunnel work\n127.0.0.2 mail.corp.example\n# END ptunnel work\n');
  });
});
