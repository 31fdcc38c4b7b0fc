import { exchange } from '../../support/client';
import { RunningCli, startCli, cleanEnv } from '../../support/cli';
import { FakeDns, fromTable, startFakeDns } from '../../support/fake-dns';
import { count, PacServer, startPacServer, waitFor } from '../../support/pac-server';
import { startEchoServer, TestServer } from '../../support/servers';
import { startProxy, TestProxy } from '../../support/squid';


/*
 * One ptunnel process with --pac against a real PAC server, squid and a DNS server: it follows
 * the PAC's answer per target, through its own resolver for dnsResolve(); a PAC rule that throws
 * fails that target only; a changed PAC is followed after the next fetch (SIGHUP here); a PAC
 * that cannot be fetched means direct, logged once; and back to the proxy when it answers again.
 */
describe('tunnels follow the PAC file', () => {
  let good: TestServer;
  let bad: TestServer;
  let squid: TestProxy;
  let dns: FakeDns;
  let pac: PacServer;
  let cli: RunningCli;
  let pacV1: string;

  beforeAll(async () => {
    good = await startEchoServer();
    bad = await startEchoServer();
    squid = await startProxy();
    // A name only ptunnel's resolver knows: getaddrinfo (and pac-resolver's own dnsResolve) would fail it.
    dns = await startFakeDns(fromTable([{ type: 'A', name: 'corp-proxy.ptunnel.test', data: '127.0.0.1' }]));
    pacV1 = `function FindProxyForURL(url, host) {
      if (url.indexOf(":${bad.port}/") > 0) throw new Error("no rule");
      return "PROXY " + dnsResolve("corp-proxy.ptunnel.test") + ":${squid.port}; DIRECT";
    }`;
    pac = await startPacServer({ body: pacV1 });
    const args = ['--pac', pac.url, '--pac-refresh', '1h', '--dns', dns.spec, '--dns-allow', '127.0.0.1', `0:127.0.0.1:${good.port}`, `0:127.0.0.1:${bad.port}`];
    cli = await startCli(args, 2, cleanEnv({ PTUNNEL_DNS: dns.spec }));
  });
  afterAll(async () => {
    cli?.proc.kill('SIGTERM');
    await cli?.exited;
    await Promise.all([pac.close(), dns.close(), squid.stop(), good.close(), bad.close()]);
  });

  const viaSquid = () => count(squid.accessLog(), new RegExp(`CONNECT 127\\.0\\.0\\.1:${good.port}`));
  /** SIGHUP, then wait for one more `log` line than there was before. */
  const hup = async (log: RegExp) => {
    const seen = count(cli.stderr(), log);
    cli.proc.kill('SIGHUP');
    await waitFor(() => count(cli.stderr(), log) > seen, String(log));
  };

  it('goes through the proxy the PAC names, resolved by ptunnel', async () => {
    const r = await exchange(cli.ports[0] as number, 'office\n', { end: true });
    expect(r.received.toString()).toBe('office\n');
    if (squid.kind === 'squid') await waitFor(() => viaSquid() === 1, 'squid CONNECT');
    expect(dns.queries.some((q) => q.name === 'corp-proxy.ptunnel.test')).toBe(true);
  });

  it('a target whose PAC rule throws fails alone, with one error line; the other tunnel carries on', async () => {
    const r = await exchange(cli.ports[1] as number, 'x');
    expect(r.received.length).toBe(0);
    expect(bad.accepted()).toBe(0);
    await waitFor(() => /ERR_PAC/.test(cli.stderr()), 'ERR_PAC log');
    const line = cli.stderr().split('\n').find((l) => l.includes('threw "no rule"')) ?? '';
    expect(line).toContain('the tunnel does not go direct on a broken PAC');
    const again = await exchange(cli.ports[0] as number, 'still\n', { end: true });
    expect(again.received.toString()).toBe('still\n');
  });

  it('follows a PAC that changed, after the next fetch', async () => {
    const before = viaSquid();
    pac.reply({ body: 'function FindProxyForURL(url, host) { return "DIRECT"; }' });
    await hup(/PAC \S+ changed; new connections follow the new file/);
    const r = await exchange(cli.ports[0] as number, 'direct\n', { end: true });
    expect(r.received.toString()).toBe('direct\n');
    expect(viaSquid()).toBe(before);
  });

  it('a PAC that cannot be fetched: direct, logged once; back to the proxy when it answers again', async () => {
    pac.reply({ status: 503 });
    await hup(/PAC \S+ cannot be fetched: HTTP 503/);
    const before = viaSquid();
    for (let i = 0; i < 3; i++) expect((await exchange(cli.ports[0] as number, `home ${i}\n`, { end: true })).received.toString()).toBe(`home ${i}\n`);
    await hup(/SIGHUP: configuration reloaded/);
    expect(count(cli.stderr(), /cannot be fetched/)).toBe(1);
    expect(viaSquid()).toBe(before);

    pac.reply({ body: pacV1 });
    await hup(/PAC \S+ loaded; new connections follow its answers/);
    const back = await exchange(cli.ports[0] as number, 'office again\n', { end: true });
    expect(back.received.toString()).toBe('office again\n');
    if (squid.kind === 'squid') await waitFor(() => viaSquid() === before + 1, 'squid CONNECT again');
  });
});
