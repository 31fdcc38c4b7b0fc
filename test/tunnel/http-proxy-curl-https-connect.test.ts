import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { logged } from '../support/mail-servers';
import { freePort } from '../support/ports';
import { startProxy, TestProxy } from '../support/squid';
import { makeTestCertificate, TestCertificate } from '../support/test-ca';
import { RunningTunnel, startTunnel } from '../support/tunnel';

const run = promisify(execFile);

/*
 * curl -x http://ptunnel https://NAME:PORT/: curl sends CONNECT NAME:PORT, gets the 200 once the
 * upstream is open, and verifies the server's certificate for NAME through the tunnel. squid
 * resolves NAME from its hosts list, the direct route from the test's lookup.
 */
const SERVER = '127.0.98.3';
const NAMES = { 'web.httpproxy.test': SERVER };
const lookup = async (host: string) => {
  const address = (NAMES as Record<string, string>)[host];
  if (!address) throw Object.assign(new Error(`${host}: NXDOMAIN`), { code: 'ENOTFOUND' });
  return [{ address, family: 4 as const }];
};

describe.each(['squid', 'direct'] as const)('HTTP proxy listener, CONNECT, route %s, with curl', (route) => {
  let cert: TestCertificate;
  let caFile: string;
  let proxy: TestProxy | undefined;
  let web: https.Server;
  let webPort: number;
  let listenPort: number;
  let tunnel: RunningTunnel;

  beforeAll(async () => {
    cert = makeTestCertificate(['web.httpproxy.test']);
    caFile = join(mkdtempSync(join(tmpdir(), 'ptunnel-hp-ca-')), 'ca.pem');
    writeFileSync(caFile, cert.ca);
    web = https.createServer({ key: cert.key, cert: cert.cert }, (req, res) => res.end(`secure hello ${req.headers.host}\n`));
    await new Promise<void>((r) => web.listen(0, SERVER, r));
    webPort = (web.address() as net.AddressInfo).port;
    listenPort = await freePort();
    if (route === 'squid') proxy = await startProxy({ hosts: NAMES });
    tunnel = await startTunnel({
      flags: { mode: route === 'squid' ? 'proxy' : 'direct', ...(proxy ? { 'proxy.url': proxy.url } : {}), 'httpProxy.listen': `127.0.0.1:${listenPort}` },
      lookup,
    });
  });
  afterAll(async () => {
    await tunnel?.close();
    await new Promise((r) => web?.close(r));
    await proxy?.stop();
  });

  it('curl -x gets the page over TLS verified for the name, through CONNECT', async () => {
    const { stdout, stderr } = await run('curl', ['-sS', '-v', '--max-time', '10', '--cacert', caFile, '-x', `http://127.0.0.1:${listenPort}`, `https://web.httpproxy.test:${webPort}/`]);
    expect(stdout).toBe(`secure hello web.httpproxy.test:${webPort}\n`);
    expect(stderr).toContain(`CONNECT web.httpproxy.test:${webPort} HTTP/1.1`);
    expect(stderr).toMatch(/HTTP\/1\.1 200 Connection established/);
    expect(stderr).toMatch(/SSL certificate verify ok|subjectAltName.*matched/);
    if (proxy) expect(await logged(proxy.accessLog, new RegExp(`CONNECT web\\.httpproxy\\.test:${webPort}`))).toContain(`CONNECT web.httpproxy.test:${webPort}`);
    const [record] = await tunnel.ended(1);
    expect(record).toMatchObject({ tunnel: 'http-proxy', target: `web.httpproxy.test:${webPort}`, route: route === 'squid' ? 'proxy' : 'direct' });
  });

  // Direct only: squid would ask a DNS server the tests do not run and time out.
  if (route === 'direct')
    it('a name nobody knows gets 502 with the reason, after no 200', async () => {
      const result = await run('curl', ['-sS', '-v', '--max-time', '10', '-x', `http://127.0.0.1:${listenPort}`, 'https://nowhere.httpproxy.test:443/']).catch((e: { stderr: string }) => e);
      expect((result as { stderr: string }).stderr).toMatch(/< HTTP\/1\.1 502 Bad Gateway/);
      expect((result as { stderr: string }).stderr).not.toMatch(/200 Connection established/);
    });
});
