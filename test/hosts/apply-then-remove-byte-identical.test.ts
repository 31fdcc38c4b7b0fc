import { readFileSync } from 'node:fs';
import { hosts, hostsFile } from '../support/hosts-files';

const GMAIL = '# BEGIN ptunnel gmail\n127.0.0.1 imap.gmail.com\n::1 imap.gmail.com\n127.0.0.1 smtp.gmail.com\n::1 smtp.gmail.com\n# END ptunnel gmail\n';

describe('ptunnel hosts --apply then --remove', () => {
  it.each([
    ['a usual file', '127.0.0.1\tlocalhost\n::1     localhost ip6-localhost\n\n# comment  with  spaces \t\n10.0.0.1 intranet\n'],
    ['a file without a final newline', '127.0.0.1 localhost\n10.0.0.1 intranet'],
    ['an empty file', ''],
    ['a file with blank lines at the end', '127.0.0.1 localhost\n\n\n'],
    ['a file with another ptunnel block', '127.0.0.1 localhost\n# BEGIN ptunnel work\n127.0.0.1 mail.corp.example\n# END ptunnel work\n::1 localhost\n'],
    ['a file with UTF-8 comments', '# Gerät: Büro\n127.0.0.1 localhost\n'],
  ])('gives back %s byte for byte', async (_what, original) => {
    const file = hostsFile(original);
    const applied = await hosts('--preset', 'gmail', '--apply', '--file', file);
    expect(applied.error).toBeUndefined();
    const withBlock = readFileSync(file, 'utf8');
    expect(withBlock).toContain(GMAIL.trimEnd());
    expect(withBlock.startsWith(original.endsWith('\n') || original === '' ? original : `${original}\n`)).toBe(true);
    expect((await hosts('--preset', 'gmail', '--remove', '--file', file)).code).toBe(0);
    expect(readFileSync(file)).toEqual(Buffer.from(original, 'utf8'));
  });

  it('appends the block after the other lines, which stay as they were', async () => {
    const file = hostsFile('127.0.0.1 localhost\n');
    await hosts('--preset', 'gmail', '--apply', '--file', file);
    expect(readFileSync(file, 'utf8')).toBe(`127.0.0.1 localhost\n${GMAIL}`);
  });

  it('removes only the named block', async () => {
    const file = hostsFile('127.0.0.1 localhost\n');
    await hosts('--preset', 'gmail,icloud', '--apply', '--file', file);
    expect(readFileSync(file, 'utf8')).toMatch(/# END ptunnel gmail\n# BEGIN ptunnel icloud\n127\.0\.0\.1 imap\.mail\.me\.com\n/);
    await hosts('--preset', 'gmail', '--remove', '--file', file);
    expect(readFileSync(file, 'utf8')).toBe(
      '127.0.0.1 localhost\n# BEGIN ptunnel icloud\n127.0.0.1 imap.mail.me.com\n::1 imap.mail.me.com\n127.0.0.1 smtp.mail.me.com\n::1 smtp.mail.me.com\n# END ptunnel icloud\n',
    );
  });
});
