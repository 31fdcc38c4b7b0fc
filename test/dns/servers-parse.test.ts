import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { parseDnsServer, systemServers } from '../../src/dns/servers';

describe('the --dns list', () => {
  it('reads every server form', () => {
    expect(parseDnsServer('1.1.1.1')).toMatchObject({ kind: 'udp', host: '1.1.1.1', port: 53 });
    expect(parseDnsServer('127.0.0.1:5353')).toMatchObject({ kind: 'udp', host: '127.0.0.1', port: 5353 });
    expect(parseDnsServer('2001:db8::1')).toMatchObject({ kind: 'udp', host: '2001:db8::1', port: 53 });
    expect(parseDnsServer('[2001:db8::1]:5300')).toMatchObject({ kind: 'udp', host: '2001:db8::1', port: 5300 });
    expect(parseDnsServer('udp://9.9.9.9')).toMatchObject({ kind: 'udp', host: '9.9.9.9', port: 53, label: 'udp://9.9.9.9:53' });
    expect(parseDnsServer('tcp://[::1]:53')).toMatchObject({ kind: 'tcp', host: '::1', port: 53 });
    const doh = parseDnsServer('https://1.1.1.1/dns-query');
    expect(doh).toMatchObject({ kind: 'doh', method: 'POST' });
    expect(doh.kind === 'doh' && doh.url.href).toBe('https://1.1.1.1/dns-query');
    expect(parseDnsServer('https://dns.example:8443/q{?dns}')).toMatchObject({ kind: 'doh', method: 'GET' });
    expect(parseDnsServer('system')).toEqual({ kind: 'system', label: 'system' });
  });

  it.each([
    ['dns.google', /not an IP address/],
    ['1.1.1.1:99999', /not a port number/],
    ['ftp://1.1.1.1', /unknown scheme "ftp:\/\/"/],
    ['https://1.1.1.1/dns-query?x=1', /without a query/],
    ['https://', /not a valid URL/],
  ])('rejects %s with a one-line user error naming the setting', (entry, message) => {
    let err: unknown;
    try {
      loadConfig({ env: {}, flags: { 'dns.servers': entry } });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'ERR_CONFIG', userError: true });
    expect((err as Error).message).toMatch(/^invalid dns\.servers \(--dns, PTUNNEL_DNS\): /);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });

  it('takes PTUNNEL_DNS as a comma list and has a default that needs no lookup', () => {
    expect(loadConfig({ env: { PTUNNEL_DNS: '127.0.0.1:53, tcp://10.0.0.1' } }).dns.servers.map((s) => s.label)).toEqual([
      '127.0.0.1:53',
      'tcp://10.0.0.1:53',
    ]);
    const dflt = loadConfig({ env: {} }).dns;
    expect(dflt.servers.map((s) => s.label)).toEqual(['system', 'https://1.1.1.1/dns-query', 'https://8.8.8.8/dns-query']);
    expect(dflt).toMatchObject({ timeoutMs: 2000, retries: 1, cache: true, allow: [] });
    expect(loadConfig({ env: {}, flags: { 'dns.cache': 'false' } }).dns.cache).toBe(false);
    expect(() => loadConfig({ env: {}, flags: { 'dns.allow': 'nonsense' } })).toThrow(/invalid dns\.allow \(--dns-allow, PTUNNEL_DNS_ALLOW\)/);
  });

  it('"system" reads resolv.conf, and behind systemd-resolved adds its upstream servers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptunnel-resolv-'));
    const resolvConf = join(dir, 'resolv.conf');
    const systemdUpstream = join(dir, 'upstream.conf');
    writeFileSync(resolvConf, '# generated\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch example\n');
    writeFileSync(systemdUpstream, 'nameserver 192.0.2.1\nnameserver 2001:db8::53\nnameserver fe80::1%eth0\n');
    expect(systemServers({ resolvConf, systemdUpstream }).map((s) => s.label)).toEqual([
      'system 127.0.0.53:53',
      'system 192.0.2.1:53',
      'system [2001:db8::53]:53',
    ]);
    writeFileSync(resolvConf, 'nameserver 10.96.0.10\n');
    expect(systemServers({ resolvConf, systemdUpstream }).map((s) => s.host)).toEqual(['10.96.0.10']);
    expect(systemServers({ resolvConf: join(dir, 'missing'), systemdUpstream })).toEqual([]);
  });
});
