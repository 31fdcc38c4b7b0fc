import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthScheme } from '../../../src/proxy/auth/factory';
import { connectViaProxy } from '../../../src/proxy/connector';
import { PtunnelError } from '../../../src/errors';
import { answer407, startScriptedProxy } from './scripted-proxy';

// As on a machine where `npm install kerberos` was never run (or its build failed); virtual, so
// that the mock stands where the module is really missing too.
jest.mock(
  'kerberos',
  () => {
    throw Object.assign(new Error("Cannot find module 'kerberos'"), { code: 'MODULE_NOT_FOUND' });
  },
  { virtual: true },
);

describe('Negotiate without the optional kerberos module', () => {
  it('--proxy-auth negotiate: one line saying how to install it; loading ptunnel did not need it', async () => {
    const proxy = await startScriptedProxy(() => ({ reply: answer407(['Negotiate']) }));
    try {
      const settings = { endpoint: { protocol: 'http' as const, host: 'proxy.corp', port: proxy.port }, auth: 'negotiate' as const, source: 'test' };
      const scheme = createAuthScheme(settings);
      expect(scheme?.name).toBe('Negotiate');
      const err = await connectViaProxy({ proxy: { ...settings, endpoint: { ...settings.endpoint, host: '127.0.0.1' }, spn: 'HTTP@proxy.corp' }, host: '127.0.0.1', port: 9, timeoutMs: 5000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PtunnelError);
      expect((err as PtunnelError).code).toBe('ERR_PROXY_AUTH');
      expect((err as Error).message).toMatch(/Negotiate needs the optional kerberos module, which is not installed: run `npm install kerberos` \(it builds against libkrb5-dev; see the README section "Corporate proxies"\)/);
      expect((err as Error).message).not.toContain('\n');
      // Nothing was sent: the token could not be made.
      expect(proxy.connections.flat()).toHaveLength(0);
    } finally {
      await proxy.close();
    }
  });

  it('auto passes over Negotiate and uses NTLM when the proxy offers both, tickets or not', async () => {
    // A keytab is there, so only the missing module can rule Negotiate out.
    const keytab = join(mkdtempSync(join(tmpdir(), 'ptunnel-kt-')), 'client.keytab');
    writeFileSync(keytab, '');
    process.env.KRB5_CLIENT_KTNAME = keytab;
    const proxy = await startScriptedProxy((req) => ({ reply: answer407(req.authorization ? ['Negotiate', 'NTLM'] : ['Negotiate', 'NTLM']), close: req.authorization !== undefined }));
    try {
      const err = await connectViaProxy({
        proxy: {
          endpoint: { protocol: 'http', host: '127.0.0.1', port: proxy.port, username: 'CORP\\alice' },
          spn: 'HTTP@proxy.corp',
          credentials: { user: 'CORP\\alice', account: 'alice', domain: 'CORP', password: 'pw' },
          source: 'test',
        },
        host: '127.0.0.1',
        port: 9,
        timeoutMs: 5000,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PtunnelError);
      expect(proxy.connections.flat().map((r) => r.authorization?.split(' ')[0] ?? 'none')).toContain('NTLM');
    } finally {
      delete process.env.KRB5_CLIENT_KTNAME;
      await proxy.close();
    }
  });
});
