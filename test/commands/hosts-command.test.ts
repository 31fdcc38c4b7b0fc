import { readFileSync } from 'node:fs';
import { hosts, hostsFile } from '../support/hosts-files';

describe('ptunnel hosts', () => {
  it('prints the block by default and writes nothing', async () => {
    const file = hostsFile('127.0.0.1 localhost\n');
    const r = await hosts('--preset', 'gmail', '--file', file);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('# BEGIN ptunnel gmail\n127.0.0.1 imap.gmail.com\n::1 imap.gmail.com\n127.0.0.1 smtp.gmail.com\n::1 smtp.gmail.com\n# END ptunnel gmail\n');
    expect(readFileSync(file, 'utf8')).toBe('127.0.0.1 localhost\n');
  });

  it.each([
    [[], /^hosts: which preset\? e\.g\. "ptunnel hosts --preset gmail"$/],
    [['--preset', 'gmail', '--apply', '--remove'], /^hosts: give --apply or --remove, not both$/],
    [['--preset', 'gmial'], /^unknown preset "gmial"; known presets: /],
    [['--preset', 'github-ssh'], /^hosts: preset github-ssh needs no hosts-file lines \(SSH checks host keys, not names\)/],
    [['--preset', 'gmail', '--address', 'localhost'], /^hosts: --address "localhost" is not an IP address$/],
    [['--preset', 'gmail', 'extra'], /^hosts: unexpected argument "extra"/],
    [['--preset', 'gmail', '--apply', '--file', '/nonexistent/hosts'], /^hosts file \/nonexistent\/hosts does not exist; give the right one with --file PATH$/],
  ])('%j is a one-line user error', async (argv, message) => {
    const r = await hosts(...(argv as string[]));
    expect(r.error).toMatchObject({ userError: true });
    expect(r.error?.message).toMatch(message);
  });
});
