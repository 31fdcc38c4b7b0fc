import { execFile } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { line, logged, MailServer, readUntil, startImapsServer } from '../support/mail-servers';
import { freePort } from '../support/ports';
import { socks5Connect } from '../support/socks-client';
import { startProxy, TestProxy } from '../support/squid';
import { makeTestCertificate, TestCertificate } from '../support/test-ca';
import { RunningTunnel, startTunnel } from '../support/tunnel';

const run = promisify(execFile);

/*
 * Real clients through --socks, by name: squid resolves the names from its hosts list, the direct
 * route from the test's lookup; both point at servers on a loopback address of their own.
 */
const SERVER = '127.0.98.2';
const NAMES = { 'web.socks.test': SERVER, 'imap.socks.test': SERVER };
const lookup = async (host: string) => {
  const address = (NAMES as Record<string, string>)[host];
  if (!address) throw Object.assign(new Error(`${host}: NXDOMAIN`), { code: 'ENOTFOUND' });
  return [{ address, family: 4 as const }];
};

describe.each(['squid', 'direct'] as const)('SOCKS listener, route %s, with real clients', (route) => {
  let cert: TestCertificate;
  let proxy: TestProxy | undefined;
  let web: http.Server;
  let webPort: number;
  let imap: MailServer;
  let imapPort: number;
  let socksPort: number;
  let tunnel: RunningTunnel;

  beforeAll(async () => {
    cert = makeTestCertificate(['imap.socks.test']);
    web = http.createServer((req, res) => res.end(`hello ${req.headers.host}\n`));
    await new Promise<void>((r) => web.listen(0, SERVER, r));
    webPort = (web.address() as net.AddressInfo).port;
    imapPort = await freePort();
    imap = await startImapsServer(SERVER, imapPort, cert, 'imap.socks.test');
    socksPort = await freePort();
    if (route === 'squid') proxy = await startProxy({ hosts: NAMES });
    tunnel = await startTunnel({
      flags: {
        mode: route === 'squid' ? 'proxy' : 'direct',
        ...(proxy ? { 'proxy.url': proxy.url } : {}),
        'socks.listen': `127.0.0.1:${socksPort}`,
      },
      lookup,
    });
  });
  afterAll(async () => {
    await tunnel?.close();
    await imap?.close();
    await new Promise((r) => web?.close(r));
    await proxy?.stop();
  });

  const squidSaw = async (target: string) => {
    if (proxy) expect(await logged(proxy.accessLog, new RegExp(`CONNECT ${target.replace(/\./g, '\\.')}`))).toContain(`CONNECT ${target}`);
  };

  it('curl --socks5-hostname sends the name and gets the page', async () => {
    const { stdout } = await run('curl', ['-sS', '--max-time', '10', '--socks5-hostname', `127.0.0.1:${socksPort}`, `http://web.socks.test:${webPort}/`]);
    expect(stdout).toBe(`hello web.socks.test:${webPort}\n`);
    await squidSaw(`web.socks.test:${webPort}`);
  });

  it('curl --socks4a sends the name and gets the page', async () => {
    const { stdout } = await run('curl', ['-sS', '--max-time', '10', '--socks4a', `127.0.0.1:${socksPort}`, `http://web.socks.test:${webPort}/4a`]);
    expect(stdout).toBe(`hello web.socks.test:${webPort}\n`);
  });

  it('curl --socks4 with an IP address', async () => {
    const { stdout } = await run('curl', ['-sS', '--max-time', '10', '--socks4', `127.0.0.1:${socksPort}`, `http://${SERVER}:${webPort}/4`]);
    expect(stdout).toBe(`hello ${SERVER}:${webPort}\n`);
    await squidSaw(`${SERVER}:${webPort}`);
  });

  it('an IMAPS client through SOCKS5 by name verifies TLS for that name', async () => {
    const raw = await socks5Connect(socksPort, 'imap.socks.test', imapPort);
    const socket = tls.connect({ socket: raw, servername: 'imap.socks.test', ca: cert.ca });
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    expect(socket.authorized).toBe(true);
    expect(await readUntil(socket, line)).toBe('* OK [CAPABILITY IMAP4rev1] imap.socks.test ready\r\n');
    socket.write('a1 LOGOUT\r\n');
    expect(await readUntil(socket, (t) => t.includes('a1 OK'))).toContain('a1 OK LOGOUT completed');
    socket.destroy();
    await squidSaw(`imap.socks.test:${imapPort}`);
  });

  // Direct only: squid asks a DNS server the tests do not run and times out, while the direct
  // route's own lookup says NXDOMAIN at once. Not registered for squid rather than skipped.
  if (route === 'direct')
    it('a name nobody knows gets "host unreachable" (4)', async () => {
    const result = await run('curl', ['-sS', '--max-time', '10', '--socks5-hostname', `127.0.0.1:${socksPort}`, 'http://nowhere.socks.test:80/']).catch((e: { stderr: string }) => e);
    expect((result as { stderr: string }).stderr).toMatch(/SOCKS5.*(\(4\)|unreachable)/i);
  });
});
