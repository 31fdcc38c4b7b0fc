import { exchange } from '../../support/client';
import { cleanEnv, RunningCli, startCli } from '../../support/cli';
import { answer, FakeDns, RecordSpec, startFakeDns } from '../../support/fake-dns';
import { count, PacServer, startPacServer, waitFor } from '../../support/pac-server';
import { startEchoServer, TestServer } from '../../support/servers';
import { startProxy, TestProxy } from '../../support/squid';
import { describeAsRoot } from '../../support/root';


/*
 * The README's laptop story with one command line and one process: in the office the PAC URL's
 * name resolves and the PAC sends the tunnel through squid; at home the name does not resolve and
 * squid is gone, so the tunnel goes direct through ptunnel's own resolver (logged once); back in
 * the office the next timed fetch finds the PAC and the tunnel uses squid again. The PAC server
 * listens on port 80 of 127.0.0.4 (a PAC URL without a port). Needs root for port 80.
 */
describeAsRoot('the PAC server listens on port 80')('the laptop story: office, home, office, one ptunnel process', () => {
  let server: TestServer;
  let squid: TestProxy;
  let dns: FakeDns;
  let pac: PacServer | undefined;
  let cli: RunningCli;
  let table: RecordSpec[];
  const office = (): RecordSpec[] => [
    { type: 'A', name: 'pac.corp.test', data: '127.0.0.4' },
    { type: 'A', name: 'imap.mail.test', data: '127.0.0.2' },
  ];
  const home = (): RecordSpec[] => [{ type: 'A', name: 'imap.mail.test', data: '127.0.0.2' }];
  const body = () => `function FindProxyForURL(url, host) { return "PROXY 127.0.0.1:${squid.port}; DIRECT"; }`;

  beforeAll(async () => {
    server = await startEchoServer('127.0.0.2');
    squid = await startProxy({ hosts: { 'imap.mail.test': '127.0.0.2' } });
    table = office();
    dns = await startFakeDns((q) => {
      const found = table.filter((r) => r.type === q.type && r.name === q.name.toLowerCase());
      return table.some((r) => r.name === q.name.toLowerCase()) ? answer(q, found) : answer(q, [], { rcode: 3 });
    });
    pac = await startPacServer({ body: body() }, '127.0.0.4', 80);
    const args = ['--pac', 'http://pac.corp.test/proxy.pac', '--pac-refresh', '1s', '--dns', dns.spec, '--dns-allow', '127.0.0.0/8', '--dns-cache', 'false', '--connect-timeout', '1s', `0:imap.mail.test:${server.port}`];
    cli = await startCli(args, 1, cleanEnv());
  }, 60_000);
  afterAll(async () => {
    cli?.proc.kill('SIGTERM');
    await cli?.exited;
    await Promise.all([pac?.close(), dns?.close(), squid?.stop(), server?.close()]);
  });

  const viaSquid = () => count(squid.accessLog(), /CONNECT imap\.mail\.test:/);
  const echo = async (text: string) => (await exchange(cli.ports[0] as number, text, { end: true })).received.toString();

  it('office: through the proxy the PAC names', async () => {
    await waitFor(() => /PAC http:\/\/pac\.corp\.test\/proxy\.pac loaded/.test(cli.stderr()), 'PAC loaded');
    expect(await echo('office\n')).toBe('office\n');
    if (squid.kind === 'squid') await waitFor(() => viaSquid() === 1, 'CONNECT through squid');
  });

  it('home: the PAC name does not resolve, the proxy is gone; direct through its own resolver, logged once', async () => {
    table = home();
    await pac?.close();
    pac = undefined;
    await squid.kill();
    await waitFor(() => /PAC http:\/\/pac\.corp\.test\/proxy\.pac cannot be fetched/.test(cli.stderr()), 'PAC unreachable');
    const before = viaSquid();
    for (let i = 0; i < 3; i++) expect(await echo(`home ${i}\n`)).toBe(`home ${i}\n`);
    // Several timed fetches later, still one line.
    await new Promise((r) => setTimeout(r, 2500));
    expect(count(cli.stderr(), /cannot be fetched/)).toBe(1);
    expect(viaSquid()).toBe(before);
    expect(server.accepted()).toBeGreaterThanOrEqual(3);
  });

  it('office again: the next timed fetch finds the PAC, and the proxy carries the tunnel again', async () => {
    await squid.restart();
    pac = await startPacServer({ body: body() }, '127.0.0.4', 80);
    table = office();
    await waitFor(() => count(cli.stderr(), /PAC http:\/\/pac\.corp\.test\/proxy\.pac loaded/) === 2, 'PAC loaded again');
    const before = viaSquid();
    expect(await echo('back\n')).toBe('back\n');
    if (squid.kind === 'squid') await waitFor(() => viaSquid() === before + 1, 'CONNECT through squid again');
  });
});
