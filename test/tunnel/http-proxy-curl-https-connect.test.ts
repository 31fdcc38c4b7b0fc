import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { logged } from '../support/mail-servers';
import { HttpProxyRig, startHttpProxyRig } from '../support/http-proxy';
import { makeTestCertificate, TestCertificate } from '../support/test-ca';

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
  let rig: HttpProxyRig;

  beforeAll(async () => {
    cert = makeTestCertificate(['web.httpproxy.test']);
    caFile = join(mkdtempSync(join(tmpdir(), 'ptunnel-hp-ca-')), 'ca.pem');
    writeFileSync(caFile, cert.ca);
    const web = https.createServer({ key: cert.key, cert: cert.cert }, (req, res) => res.end(`secure hello ${req.headers.host}\n`));
    rig = await startHttpProxyRig(route, web, SERVER, { hosts: NAMES, lookup });
  });
  afterAll(() => rig?.close());

  it('curl -x gets the page over TLS verified for the name, through CONNECT', async () => {
    const { webPort, listenPort, proxy, tunnel } = rig;
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
      const result = await run('curl', ['-sS', '-v', '--max-time', '10', '-x', `http://127.0.0.1:${rig.listenPort}`, 'https://nowhere.httpproxy.test:443/']).catch((e: { stderr: string }) => e);
      expect((result as { stderr: string }).stderr).toMatch(/< HTTP\/1\.1 502 Bad Gateway/);
      expect((result as { stderr: string }).stderr).not.toMatch(/200 Connection established/);
    });
});
