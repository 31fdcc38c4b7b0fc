import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { asNobody } from '../support/as-nobody';

/*
 * Issue 15: a secret file mounted with mode 600 (as the compose file had it) cannot be read by
 * the container's uid 65532; the message says which uid ptunnel runs as and what to change,
 * instead of a bare EACCES.
 */
const root = process.getuid?.() === 0;
if (!root && process.env.CI === 'true') throw new Error('this test needs root (to read a file as nobody), and CI=true requires it');

(root ? it : it.skip)('an unreadable --proxy-password-file names the uid and the fix', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ptunnel-secret-'));
  chmodSync(dir, 0o755);
  const file = join(dir, 'proxy-password');
  writeFileSync(file, 'hunter2\n', { mode: 0o600 });
  try {
    const err = await asNobody(() => {
      try {
        loadConfig({ env: {}, flags: { 'proxy.url': 'http://127.0.0.1:3128', 'proxy.user': 'alice', 'proxy.passwordFile': file } });
        return undefined;
      } catch (e) {
        return e as Error;
      }
    });
    expect(err?.message).toMatch(/EACCES/);
    expect(err?.message).toContain('ptunnel runs as uid 65534');
    expect(err?.message).toMatch(/chmod 644|chown 65534/);
    expect(err?.message).toContain('65532');
    expect(err?.message).not.toContain('hunter2');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
