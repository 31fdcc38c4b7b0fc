import { parseCommandLine } from '../../src/cli/args';
import { describeProxy } from '../../src/config/proxy-spec';
import { loadConfig } from '../../src/config/load';

const urls = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
  loadConfig({ env, flags: parseCommandLine(argv).flags }).proxies.map((p) => describeProxy(p.endpoint));

describe('the proxy list: the order given is the order of preference', () => {
  it('takes --proxy repeated and comma lists, in order', () => {
    expect(urls(['--proxy', 'a.corp:3128,b.corp:8080', '-p', 'http://c.corp:80', '1:x:1'])).toEqual([
      'http://a.corp:3128',
      'http://b.corp:8080',
      'http://c.corp:80',
    ]);
  });

  it('takes a comma list from PTUNNEL_PROXY and HTTPS_PROXY', () => {
    expect(urls(['1:x:1'], { PTUNNEL_PROXY: 'a:1, b:2' })).toEqual(['http://a:1', 'http://b:2']);
    expect(urls(['1:x:1'], { HTTPS_PROXY: 'http://a:1,http://b:2' })).toEqual(['http://a:1', 'http://b:2']);
  });

  it('gives --user to each proxy, a URL keeping its own', () => {
    const config = loadConfig({ env: {}, flags: parseCommandLine(['-p', 'a:1,http://bob:pw@b:2', '1:x:1']).flags });
    expect(config.proxies.map((p) => p.endpoint.username)).toEqual([undefined, 'bob']);
    const withUser = loadConfig({ env: {}, flags: parseCommandLine(['-p', 'a:1,b:2', '-U', 'alice', '1:x:1']).flags });
    expect(withUser.proxies.map((p) => p.endpoint.username)).toEqual(['alice', 'alice']);
    expect(withUser.proxy).toBe(withUser.proxies[0]);
  });
});
