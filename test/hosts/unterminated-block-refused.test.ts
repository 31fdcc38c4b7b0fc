import { readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { hosts, hostsFile } from '../support/hosts-files';

describe('a hosts file with a broken ptunnel block', () => {
  it.each([
    ['a BEGIN without END', '127.0.0.1 localhost\n# BEGIN ptunnel gmail\n127.0.0.1 imap.gmail.com\n', /"# BEGIN ptunnel gmail" on line 2 has no "# END ptunnel gmail"/],
    ['a BEGIN cut off by another', '# BEGIN ptunnel gmail\n# BEGIN ptunnel work\n# END ptunnel work\n', /"# BEGIN ptunnel gmail" on line 1 has no "# END ptunnel gmail" before line 2/],
    ['an END without BEGIN', '127.0.0.1 localhost\n# END ptunnel gmail\n', /"# END ptunnel gmail" on line 2 has no matching "# BEGIN ptunnel gmail"/],
    ['the same block twice', '# BEGIN ptunnel gmail\n# END ptunnel gmail\n# BEGIN ptunnel gmail\n# END ptunnel gmail\n', /"# BEGIN ptunnel gmail" appears twice \(line 3\)/],
  ])('%s: a clear one-line error, for --apply and --remove, file untouched', async (_what, text, message) => {
    const file = hostsFile(text);
    for (const action of ['--apply', '--remove']) {
      const r = await hosts('--preset', 'gmail', action, '--file', file);
      expect(r.error?.message).toMatch(message);
      expect(r.error?.message).toMatch(new RegExp(`^hosts file ${file}: .*fix or delete the block by hand \\(the file was not changed\\)$`));
      expect(readFileSync(file, 'utf8')).toBe(text);
      expect(readdirSync(dirname(file))).toEqual(['hosts']);
    }
  });
});
