import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dispatch } from '../../src/cli/main';

const io = { stdout: () => undefined, stderr: () => undefined, env: {} };

describe('a hosts file that is not UTF-8', () => {
  it('keeps every byte through apply and remove, and in the backup', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ptunnel-hosts-')), 'hosts');
    // "café" in latin1 (0xe9) and a lone 0xff: invalid UTF-8, as in an ANSI Windows hosts file.
    const original = Buffer.concat([Buffer.from('127.0.0.1 localhost\r\n# caf'), Buffer.from([0xe9, 0xff]), Buffer.from('\r\n')]);
    writeFileSync(file, original);
    expect(await dispatch(['hosts', '--preset', 'gmail', '--apply', '--file', file], io)).toBe(0);
    const applied = readFileSync(file);
    expect(applied.subarray(0, original.length).equals(original)).toBe(true);
    expect(readFileSync(`${file}.ptunnel.bak`).equals(original)).toBe(true);
    expect(await dispatch(['hosts', '--preset', 'gmail', '--remove', '--file', file], io)).toBe(0);
    expect(readFileSync(file).equals(original)).toBe(true);
  });
});
