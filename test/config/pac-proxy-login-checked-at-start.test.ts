import { loadConfig } from '../../src/config/load';

const load = (flags: Record<string, unknown>) => () => loadConfig({ env: {}, flags: { pac: '/nonexistent/proxy.pac', tunnels: ['1:x:1'], ...flags } });

describe('--pac without a proxy list: the login its proxies will use is checked at start-up', () => {
  it('refuses --proxy-auth ntlm without a user', () => {
    expect(load({ 'proxy.auth': 'ntlm' })).toThrow(/--proxy-auth, PTUNNEL_PROXY_AUTH\) ntlm needs proxy\.user/);
  });

  it('refuses a password without a user', () => {
    expect(load({ 'proxy.password': 'pw' })).toThrow(/a proxy password is set but no user/);
  });

  it('accepts a user and password, which each proxy the PAC names then gets', () => {
    const config = load({ 'proxy.user': 'CORP\\alice', 'proxy.password': 'pw', 'proxy.auth': 'ntlm' })();
    const named = config.pac?.proxy({ protocol: 'http', host: 'p2.corp', port: 8080 });
    expect(named?.credentials).toMatchObject({ user: 'CORP\\alice', account: 'alice', domain: 'CORP' });
    expect(named?.auth).toBe('ntlm');
  });
});
