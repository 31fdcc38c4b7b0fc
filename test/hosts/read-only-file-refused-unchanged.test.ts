import { chmodSync, chownSync, readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PtunnelError } from '../../src/errors';
import { asNobody } from '../support/as-nobody';
import { hosts, hostsFile } from '../support/hosts-files';

const ORIGINAL = '127.0.0.1 localhost\n10.0.0.1 intranet\n';

/** What a user without the rights sees; the kernel refuses, not a check of ptunnel's own. */
describe('a hosts file the user may not write', () => {
  it('owned by root in a root folder (like /etc/hosts): refused, file and folder untouched', async () => {
    const file = hostsFile(ORIGINAL);
    chmodSync(file, 0o644);
    const r = await asNobody(() => hosts('--preset', 'gmail', '--apply', '--file', file));
    expect(r.error).toBeInstanceOf(PtunnelError);
    expect((r.error as PtunnelError).code).toBe('ERR_HOSTS_FILE');
    expect(r.error?.message).toBe(`cannot write hosts file ${file}: permission denied; run it as root (sudo ptunnel hosts ...) (the file was not changed)`);
    expect(readFileSync(file, 'utf8')).toBe(ORIGINAL);
    expect(readdirSync(dirname(file))).toEqual(['hosts']);
  });

  it('read-only although the folder is writable: refused rather than replaced by rename', async () => {
    const file = hostsFile(ORIGINAL);
    chmodSync(dirname(file), 0o777);
    chownSync(file, 65534, 65534);
    chmodSync(file, 0o444);
    const r = await asNobody(() => hosts('--preset', 'gmail', '--remove', '--file', file));
    // Nothing to remove writes nothing, so that is fine even read-only ...
    expect(r.error).toBeUndefined();
    const a = await asNobody(() => hosts('--preset', 'gmail', '--apply', '--file', file));
    // ... but adding the block is refused.
    expect(a.error?.message).toMatch(/^cannot write hosts file .*: permission denied/);
    expect(readFileSync(file, 'utf8')).toBe(ORIGINAL);
    expect(readdirSync(dirname(file))).toEqual(['hosts']);
  });
});
