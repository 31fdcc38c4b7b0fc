import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { printableConfig } from '../../src/config/print';

describe('--print-config', () => {
  it('shows the effective settings with every secret masked', () => {
    const pw = join(mkdtempSync(join(tmpdir(), 'ptunnel-pw-')), 'pw');
    writeFileSync(pw, 'file-secret\n');
    const fromUrl = loadConfig({ env: { HTTPS_PROXY: 'http://bob:url-secret@proxy.corp:3128' }, flags: { tunnels: ['9993:imap.gmail.com:993'] } });
    const fromFile = loadConfig({ env: {}, flags: { 'proxy.url': 'proxy.corp:3128', 'proxy.user': 'bob', 'proxy.passwordFile': pw } });
    const fromFlag = loadConfig({ env: {}, flags: { 'proxy.url': 'proxy.corp:3128', 'proxy.user': 'bob', 'proxy.password': 'flag-secret' } });
    const ignored = loadConfig({ env: {}, flags: { mode: 'direct', 'proxy.url': 'http://bob:ignored-secret@p:1' } });
    for (const config of [fromUrl, fromFile, fromFlag, ignored]) {
      const text = JSON.stringify(printableConfig(config));
      expect(text).not.toMatch(/url-secret|file-secret|flag-secret|ignored-secret/);
      expect(text).not.toContain(Buffer.from('bob:flag-secret').toString('base64'));
    }
    expect(printableConfig(fromUrl)).toMatchObject({
      proxy: { url: 'http://bob:***@proxy.corp:3128', source: 'HTTPS_PROXY', user: 'bob', password: '***' },
      mode: 'auto',
      tunnels: ['localhost:9993 -> imap.gmail.com:993'],
    });
    expect(printableConfig(fromFile)).toMatchObject({ proxy: { password: '***', passwordFile: pw } });
    expect(printableConfig(ignored)).toMatchObject({ mode: 'direct', proxy: { url: 'http://bob:***@p:1' } });
  });
});
