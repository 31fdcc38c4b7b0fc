import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { loadConfig } from '../../src/config/load';
import { runResolve } from '../../src/commands/resolve';
import { Dnsmasq, startDnsmasq } from '../support/dnsmasq';
import { answer, FakeDns, startFakeDns } from '../support/fake-dns';

describe('ptunnel resolve NAME', () => {
  let dnsmasq: Dnsmasq;
  let stub: FakeDns;
  let hostsFile: string;
  beforeAll(async () => {
    dnsmasq = await startDnsmasq({ hosts: { 'imap.test': ['192.0.2.90'] }, nxDomains: ['nx.test'], ttl: 240 });
    stub = await startFakeDns((q) => answer(q, q.type === 'A' ? [{ type: 'A', name: q.name, data: '127.0.0.1' }] : []));
    hostsFile = join(mkdtempSync(join(tmpdir(), 'ptunnel-hosts-')), 'hosts');
    writeFileSync(hostsFile, '127.0.0.1 localhost\n127.0.0.1 imap.test # for the mail client\n');
  });
  afterAll(async () => {
    await dnsmasq?.stop();
    await stub?.close();
  });

  // The handler takes what the CLI parsed: the name, and the configuration with these DNS servers.
  const run = async (name: string, dns: string) => {
    let out = '';
    let err = '';
    const config = loadConfig({ flags: { 'dns.servers': dns.split(',') }, env: {} });
    const code = await runResolve({ name, config, verbosity: 0 }, { stdout: (t) => (out += t), stderr: (t) => (err += t), env: {} }, {
      hostsFile,
      systemLookup: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    return { code, out, err };
  };

  it('prints each resolver, the one ptunnel uses, and explains the hosts-file answer', async () => {
    const { code, out } = await run('imap.test', `${stub.spec},${dnsmasq.spec}`);
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toBe('imap.test');
    expect(lines[1]).toMatch(new RegExp(`^  ${stub.spec.replace(/\./g, '\\.')}\\s+127\\.0\\.0\\.1  ttl 60s  [\\d.]+ ms  \\(udp\\)$`));
    expect(lines[2]).toMatch(/^ {6}refused by the loop guard: DNS server 127\.0\.0\.1:\d+ answered imap\.test with 127\.0\.0\.1, a loopback address/);
    expect(lines[3]).toMatch(new RegExp(`^  ${dnsmasq.spec.replace(/\./g, '\\.')}\\s+192\\.0\\.2\\.90  ttl 240s  [\\d.]+ ms  \\(udp\\)$`));
    expect(lines[4]).toBe(`ptunnel connects to: 192.0.2.90 (from ${dnsmasq.spec})`);
    expect(lines[5]).toBe(
      `system resolver (getaddrinfo) says 127.0.0.1: the hosts file (${hostsFile}) maps imap.test to 127.0.0.1: expected when the mail client is pointed at ptunnel; ptunnel bypasses it`,
    );
  });

  it('exits 1 for a name that does not exist', async () => {
    const { code, out } = await run('no.nx.test', dnsmasq.spec);
    expect(code).toBe(1);
    expect(out).toContain('ERR_DNS_NXDOMAIN: no.nx.test does not exist (NXDOMAIN from DNS server');
    expect(out).toContain('ptunnel would fail: no.nx.test does not exist');
  });

  it('is dispatched by the CLI, and a missing name is a one-line usage error', async () => {
    let err = '';
    const io = { stdout: () => undefined, stderr: (t: string) => (err += t), env: {} };
    expect(await main(['resolve'], io)).toBe(2);
    expect(err).toBe('ptunnel: resolve takes one host name, e.g. "ptunnel resolve imap.gmail.com --dns 1.1.1.1"\n');
    err = '';
    expect(await main(['resolve', 'x.test', '--dns', 'bogus'], io)).toBe(2);
    expect(err).toMatch(/^ptunnel: invalid dns\.servers \(--dns, PTUNNEL_DNS\): DNS server "bogus"/);
  });
});
