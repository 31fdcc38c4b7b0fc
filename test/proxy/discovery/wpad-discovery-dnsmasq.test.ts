import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../../support/cli';
import { Dnsmasq, startDnsmasq } from '../../support/dnsmasq';
import { PacServer, startPacServer } from '../../support/pac-server';
import { requireTool } from '../../support/tools';
import { describeAsRoot } from '../../support/root';

/*
 * --pac wpad as on a corporate laptop: resolv.conf's search list (bind-mounted in a private mount
 * namespace) is eng.corp.test; dnsmasq knows wpad.corp.test only, so ptunnel must try
 * wpad.eng.corp.test first, then wpad.corp.test, and never wpad.test. The PAC server listens on
 * port 80 of 127.0.0.3, as WPAD URLs carry no port. Needs root (unshare -m, port 80).
 */
describeAsRoot('unshare -m and port 80')('WPAD discovery along the search list', () => {
  const unshare = requireTool('unshare', 'apt-get install -y util-linux');
  let dir: string;
  let dns: Dnsmasq;
  let pac: PacServer;

  beforeAll(async () => {
    if (!unshare) throw new Error('unshare is not installed (apt-get install -y util-linux)');
    dir = mkdtempSync(join(tmpdir(), 'ptunnel-wpad-'));
    writeFileSync(join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\nsearch eng.corp.test\n');
    dns = await startDnsmasq({ hosts: { 'wpad.corp.test': ['127.0.0.3'] }, nxDomains: ['eng.corp.test'] });
    pac = await startPacServer({ body: 'function FindProxyForURL(url, host) { return "PROXY proxy.corp.test:3128; DIRECT"; }' }, '127.0.0.3', 80);
  }, 60_000);
  afterAll(async () => {
    await pac?.close();
    await dns?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds http://wpad.corp.test/wpad.dat after wpad.eng.corp.test fails, and uses its answer', async () => {
    const script = 'mount --bind "$0" /etc/resolv.conf && exec "$@"';
    const args = ['proxy-for', 'imap.example.com:993', '--pac', 'wpad', '--dns', dns.spec, '--dns-allow', '127.0.0.3', '--connect-timeout', '2s'];
    const child = spawn(unshare as string, ['-m', 'sh', '-c', script, join(dir, 'resolv.conf'), process.execPath, CLI, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((resolve) => child.once('close', resolve));
    expect(out).toContain('  PAC        wpad: ready (from http://wpad.corp.test/wpad.dat)');
    expect(out).toContain('  PAC said   PROXY proxy.corp.test:3128; DIRECT');
    expect(pac.requests()).toBe(1);
    expect(dns.log()).toMatch(/wpad\.eng\.corp\.test/);
    expect(dns.log()).not.toMatch(/query\[A+\] wpad\.test /);
  });
});
