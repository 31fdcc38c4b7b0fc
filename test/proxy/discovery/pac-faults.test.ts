import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PacServer, runCliAsync, startPacServer } from '../../support/pac-server';

/*
 * A bad PAC, served by a real HTTP server and read by the built CLI ("proxy-for" runs the same
 * PAC code as the tunnels): a one-line error and no silent DIRECT when it fetches but cannot
 * decide; the next source (--proxy, else direct) when it cannot be fetched.
 */
describe('PAC faults', () => {
  let pac: PacServer;
  beforeAll(async () => {
    pac = await startPacServer({ status: 404 });
  });
  afterAll(() => pac.close());

  const ask = (target = 'imap.example.com:993', extra: string[] = []) => runCliAsync(['proxy-for', target, '--pac', pac.url, '--connect-timeout', '1s', ...extra]);
  const decision = (stdout: string) => stdout.split('\n').find((l) => l.startsWith('decision: ')) ?? '';

  it('a PAC that throws: an error, not direct', async () => {
    pac.reply({ body: 'function FindProxyForURL(url, host) { throw new Error("no rule for " + host); }' });
    const r = await ask();
    expect(r.status).toBe(1);
    expect(decision(r.stdout)).toBe('decision: fail (PAC FindProxyForURL for imap.example.com:993 threw "no rule for imap.example.com"; the tunnel does not go direct on a broken PAC, fix the PAC file)');
  });

  it('a PAC that loops forever: stopped by the time limit', async () => {
    pac.reply({ body: 'function FindProxyForURL(url, host) { for (;;) {} }' });
    const r = await ask();
    expect(r.status).toBe(1);
    expect(decision(r.stdout)).toContain('did not finish within 1000 ms');
    expect(r.ms).toBeLessThan(6000);
  });

  it('a PAC that answers garbage, or is no script at all', async () => {
    pac.reply({ body: 'function FindProxyForURL(url, host) { return "PROXY"; }' });
    const garbage = await ask();
    expect(garbage.status).toBe(1);
    expect(decision(garbage.stdout)).toContain('PAC FindProxyForURL returned "PROXY": entry "PROXY" is not PROXY host:port');
    pac.reply({ body: '<html><body>Welcome to the hotel wifi</body></html>' });
    const html = await ask();
    expect(html.status).toBe(1);
    expect(decision(html.stdout)).toMatch(/^decision: fail \(PAC http:\/\/127\.0\.0\.1:\d+\/proxy\.pac does not compile: /);
    pac.reply({ body: 'var x = 1;' });
    expect(decision((await ask()).stdout)).toContain('FindProxyForURL');
  });

  it('a PAC of 10 MiB: refused at 1 MiB, an error, not direct', async () => {
    pac.reply({ bytes: 10 * 1024 * 1024 });
    const r = await ask();
    expect(r.status).toBe(1);
    expect(decision(r.stdout)).toContain('is larger than 1 MiB, the most ptunnel reads');
  });

  it('a PAC URL that hangs: unreachable after the timeout, so the next source: --proxy', async () => {
    pac.reply({ hang: true });
    const r = await ask('imap.example.com:993', ['--proxy', '127.0.0.1:1']);
    expect(r.stdout).toContain('no answer within 1000 ms');
    expect(r.stdout).toContain('  proxies    from proxy.url');
    expect(r.ms).toBeGreaterThanOrEqual(1000);
    expect(r.ms).toBeLessThan(6000);
  });

  it('a PAC URL that answers 404: unreachable, so direct without --proxy', async () => {
    pac.reply({ status: 404 });
    const r = await ask();
    expect(r.status).toBe(0);
    expect(decision(r.stdout)).toBe('decision: direct (PAC unreachable (HTTP 404))');
  });

  it('a PAC file: read from disk, and its answer with HTTPS and SOCKS entries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptunnel-pac-'));
    try {
      const file = join(dir, 'proxy.pac');
      writeFileSync(file, 'function FindProxyForURL(url, host) { return url == "https://imap.example.com:993/" ? "SOCKS5 127.0.0.1:1080; HTTPS 127.0.0.1:1; PROXY 127.0.0.1:2; DIRECT" : "DIRECT"; }');
      const r = await runCliAsync(['proxy-for', 'imap.example.com:993', '--pac', file]);
      expect(r.stdout).toContain(`  PAC        ${file}: ready`);
      expect(r.stdout).toContain('  PAC said   SOCKS5 127.0.0.1:1080; HTTPS 127.0.0.1:1; PROXY 127.0.0.1:2; DIRECT');
      expect(r.stdout).toContain('    1. https://127.0.0.1:1  unreachable');
      expect(r.stdout).toContain('    2. http://127.0.0.1:2  unreachable');
      expect(decision(r.stdout)).toMatch(/^decision: direct \(every proxy down/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
