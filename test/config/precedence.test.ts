import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { PtunnelError } from '../../src/errors';

const dir = mkdtempSync(join(tmpdir(), 'ptunnel-config-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function loadError(...args: Parameters<typeof loadConfig>): PtunnelError {
  try {
    loadConfig(...args);
  } catch (err) {
    return err as PtunnelError;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('configuration precedence: default < file < env < flags', () => {
  const yaml = file('c.yaml', 'connectTimeout: 3s\nlisten: 127.0.0.2\nmode: proxy\nproxy:\n  url: http://file-proxy:3128\ntunnels:\n  - 1000:file.example:1\n');

  it('takes defaults when nothing is given', () => {
    const c = loadConfig({ env: {} });
    expect(c).toMatchObject({ listen: 'localhost', connectTimeoutMs: 10_000, idleTimeoutMs: 0, halfCloseTimeoutMs: 60_000, mode: 'direct' });
    expect(c.proxy).toBeUndefined();
  });

  it('lets the file override defaults, env override the file and flags override env', () => {
    const fromFile = loadConfig({ env: {}, configFile: yaml });
    expect(fromFile).toMatchObject({ listen: '127.0.0.2', connectTimeoutMs: 3000, mode: 'proxy' });
    expect(fromFile.proxy?.endpoint.host).toBe('file-proxy');
    expect(fromFile.tunnels.map((t) => t.host)).toEqual(['file.example']);

    const env = { PTUNNEL_CONNECT_TIMEOUT: '4s', PTUNNEL_PROXY: 'env-proxy:8080', PTUNNEL_TUNNELS: '1001:env.example:2,1002:env2.example:3' };
    const fromEnv = loadConfig({ env, configFile: yaml });
    expect(fromEnv).toMatchObject({ listen: '127.0.0.2', connectTimeoutMs: 4000 });
    expect(fromEnv.proxy?.endpoint).toMatchObject({ host: 'env-proxy', port: 8080 });
    expect(fromEnv.tunnels.map((t) => t.host)).toEqual(['env.example', 'env2.example']);

    const fromFlags = loadConfig({ env, configFile: yaml, flags: { connectTimeout: '5s', 'proxy.url': 'http://flag-proxy:1', tunnels: ['1003:flag.example:4'] } });
    expect(fromFlags.connectTimeoutMs).toBe(5000);
    expect(fromFlags.proxy?.endpoint.host).toBe('flag-proxy');
    expect(fromFlags.tunnels.map((t) => t.host)).toEqual(['flag.example']);
  });

  it('reads JSON config files too', () => {
    const json = file('c.json', JSON.stringify({ mode: 'direct', idleTimeout: '2m' }));
    expect(loadConfig({ env: {}, configFile: json })).toMatchObject({ mode: 'direct', idleTimeoutMs: 120_000 });
  });

  it('uses https_proxy before HTTPS_PROXY, then all_proxy, and only when nothing else names a proxy', () => {
    expect(loadConfig({ env: { HTTPS_PROXY: 'upper:1', https_proxy: 'lower:2' } }).proxy?.endpoint.host).toBe('lower');
    expect(loadConfig({ env: { HTTPS_PROXY: 'upper:1' } }).proxy?.source).toBe('HTTPS_PROXY');
    expect(loadConfig({ env: { ALL_PROXY: 'all:3' } }).proxy?.endpoint.host).toBe('all');
    expect(loadConfig({ env: { https_proxy: 'lower:2', PTUNNEL_PROXY: 'mine:4' } }).proxy?.endpoint.host).toBe('mine');
    expect(loadConfig({ env: { https_proxy: 'lower:2' } }).mode).toBe('auto');
    expect(loadConfig({ env: { https_proxy: 'lower:2', PTUNNEL_MODE: 'direct' } }).proxy).toBeUndefined();
  });

  it('takes NO_PROXY from no_proxy/NO_PROXY unless set explicitly', () => {
    expect(loadConfig({ env: { NO_PROXY: '.corp' } }).noProxy.matches('a.corp', 1)).toBe(true);
    expect(loadConfig({ env: { NO_PROXY: '.corp', PTUNNEL_NO_PROXY: '' } }).noProxy.matches('a.corp', 1)).toBe(false);
  });

  it('builds Basic credentials from flags, a password file, or the URL, flags first', () => {
    const pw = file('pw', 's3cret\n');
    const c = loadConfig({ env: {}, flags: { 'proxy.url': 'http://urluser:urlpw@p:1', 'proxy.user': 'alice', 'proxy.passwordFile': pw } });
    expect(c.proxy?.authorization).toBe(`Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
    const url = loadConfig({ env: {}, flags: { 'proxy.url': 'http://urluser:urlpw@p:1' } });
    expect(url.proxy?.authorization).toBe(`Basic ${Buffer.from('urluser:urlpw').toString('base64')}`);
    const env = loadConfig({ env: { PTUNNEL_PROXY: 'p:1', PTUNNEL_PROXY_USER: 'u', PTUNNEL_PROXY_PASSWORD: 'x' } });
    expect(env.proxy?.authorization).toBe(`Basic ${Buffer.from('u:x').toString('base64')}`);
  });

  it('treats empty proxy credential variables as unset', () => {
    const c = loadConfig({ env: { HTTPS_PROXY: 'p:1', PTUNNEL_PROXY_USER: '', PTUNNEL_PROXY_PASSWORD_FILE: '', PTUNNEL_PROXY_CA: '' } });
    expect(c.proxy?.authorization).toBeUndefined();
  });

  it.each([
    [{ flags: { mode: 'sideways' } }, /^invalid mode \(--mode, PTUNNEL_MODE\): must be one of .*auto.*got "sideways"$/],
    [{ flags: { connectTimeout: '10' } }, /connectTimeout \(--connect-timeout, PTUNNEL_CONNECT_TIMEOUT\).*duration/],
    [{ env: { PTUNNEL_IDLE_TIMEOUT: '5 minutes' } }, /idleTimeout.*duration/],
    [{ flags: { listen: 'eth0' } }, /listen.*not an IP address/],
    [{ flags: { halfCloseTimeout: '1000h' } }, /halfCloseTimeout.*too long; the longest duration is 576h/],
    [{ flags: { mode: 'proxy' } }, /mode "proxy" needs a proxy/],
    [{ flags: { 'proxy.url': 'p:1', 'proxy.password': 'x' } }, /proxy password is set but no user/],
    [{ flags: { 'proxy.url': 'p:1', 'proxy.user': 'u', 'proxy.passwordFile': '/nonexistent/pw' } }, /cannot read proxy password file \/nonexistent\/pw/],
    [{ flags: { 'proxy.url': 'p:1', 'proxy.ca': '/tmp/ca.pem' } }, /only used with an https:\/\/ proxy/],
    [{ configFile: '/nonexistent.yaml' }, /cannot read config file \/nonexistent.yaml/],
    [{ configFile: file('bad.yaml', 'mode: [unclosed\n') }, /is not valid YAML/],
    [{ configFile: file('bad.json', '{"mode": ') }, /is not valid JSON/],
    [{ configFile: file('list.yaml', '- 1\n- 2\n') }, /must hold a mapping of settings/],
    [{ configFile: file('unknown.yaml', 'colour: blue\n') }, /unknown setting "colour" in config file/],
    [{ env: { HTTPS_PROXY: 'http://u:pw@bad host:1' } }, /^invalid HTTPS_PROXY: proxy .* is not a valid URL/],
  ])('turns bad input into one line: %j', (options, message) => {
    const err = loadError({ env: {}, ...options } as Parameters<typeof loadConfig>[0]);
    expect(err).toBeInstanceOf(PtunnelError);
    expect(err.userError).toBe(true);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain('\n');
  });
});
