import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { printableConfig } from '../../src/config/print';

describe('--print-config with NTLM settings', () => {
  it('shows the scheme, domain and hash file but never the NT hash', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ptunnel-nthash-')), 'nt');
    const hash = 'a4f49c406510bdcab6824ee7c30fd852';
    writeFileSync(file, `${hash}\n`);
    const config = loadConfig({ env: {}, flags: { 'proxy.url': 'proxy.corp:3128', 'proxy.user': 'alice', 'proxy.domain': 'CORP', 'proxy.ntHashFile': file, 'proxy.auth': 'ntlm' } });
    const printed = printableConfig(config);
    expect(JSON.stringify(printed)).not.toMatch(new RegExp(hash, 'i'));
    expect(printed).toMatchObject({ proxy: { user: 'alice', auth: 'ntlm', domain: 'CORP', ntHash: '***', ntHashFile: file, password: null } });
  });
});
