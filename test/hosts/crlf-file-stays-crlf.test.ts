import { readFileSync } from 'node:fs';
import { hosts, hostsFile } from '../support/hosts-files';

describe('a CRLF hosts file (Windows)', () => {
  const original = '# Copyright (c) 1993-2009 Microsoft Corp.\r\n#\r\n127.0.0.1       localhost\r\n';

  it('gets a CRLF block and no bare LF', async () => {
    const file = hostsFile(original);
    await hosts('--preset', 'gmail', '--apply', '--file', file);
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(`${original}# BEGIN ptunnel gmail\r\n127.0.0.1 imap.gmail.com\r\n::1 imap.gmail.com\r\n127.0.0.1 smtp.gmail.com\r\n::1 smtp.gmail.com\r\n# END ptunnel gmail\r\n`);
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('comes back byte for byte after --remove, with or without a final CRLF', async () => {
    for (const text of [original, original.slice(0, -2)]) {
      const file = hostsFile(text);
      await hosts('--preset', 'gmail', '--apply', '--file', file);
      await hosts('--preset', 'gmail', '--remove', '--file', file);
      expect(readFileSync(file)).toEqual(Buffer.from(text));
    }
  });
});
