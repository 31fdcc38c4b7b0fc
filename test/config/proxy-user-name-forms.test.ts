import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { PtunnelError } from '../../src/errors';

const load = (flags: Record<string, unknown>) => loadConfig({ env: {}, flags: { 'proxy.url': 'proxy.corp:3128', ...flags } });

describe('proxy user names and NTLM settings', () => {
  it.each([
    ['CORP\\alice', undefined, { account: 'alice', domain: 'CORP' }],
    ['alice@CORP.EXAMPLE', undefined, { account: 'alice', domain: 'CORP.EXAMPLE' }],
    ['alice', 'CORP', { account: 'alice', domain: 'CORP' }],
    ['alice', undefined, { account: 'alice', domain: '' }],
    ['CORP\\alice', 'IGNORED', { account: 'alice', domain: 'CORP' }],
  ])('%s (--proxy-domain %s) logs in as %j; Basic still sends the name as given', (user, domain, expected) => {
    const config = load({ 'proxy.user': user, 'proxy.password': 'pw', ...(domain ? { 'proxy.domain': domain } : {}) });
    expect(config.proxy?.credentials).toMatchObject({ user, ...expected, password: 'pw' });
    expect(config.proxy?.authorization).toBe(`Basic ${Buffer.from(`${user}:pw`).toString('base64')}`);
    expect(config.proxy?.auth).toBe('auto');
  });

  it('reads the NT hash file, and then has no Basic header to send', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ptunnel-nthash-')), 'nt');
    writeFileSync(file, 'A4F49C406510BDCAB6824EE7C30FD852\n');
    const config = load({ 'proxy.user': 'CORP\\alice', 'proxy.ntHashFile': file });
    expect(config.proxy?.credentials?.ntHash?.toString('hex')).toBe('a4f49c406510bdcab6824ee7c30fd852');
    expect(config.proxy?.authorization).toBeUndefined();
  });

  it.each([
    [{ 'proxy.auth': 'ntlm' }, /--proxy-auth.* ntlm needs proxy.user/],
    [{ 'proxy.auth': 'negotiate', 'proxy.url': '10.0.0.1:3128' }, /negotiate needs the proxy by host name, not by IP address 10\.0\.0\.1.*--proxy-spn/],
    [{ 'proxy.auth': 'kerberos' }, /proxy.auth/],
  ])('refuses %j in one line', (flags, message) => {
    let err: unknown;
    try {
      load(flags);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PtunnelError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });

  it('a Negotiate proxy by IP address is fine with --proxy-spn', () => {
    expect(load({ 'proxy.auth': 'negotiate', 'proxy.url': '10.0.0.1:3128', 'proxy.spn': 'HTTP@proxy.corp' }).proxy?.spn).toBe('HTTP@proxy.corp');
  });
});
