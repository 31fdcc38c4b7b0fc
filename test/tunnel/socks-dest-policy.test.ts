import { execFile } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { promisify } from 'node:util';
import { freePort } from '../support/ports';
import { RunningTunnel, startTunnel } from '../support/tunnel';

const run = promisify(execFile);
/** REP 2, as curl words it: "not allowed" in some versions, the bare code in others. */
const NOT_ALLOWED = /not allowed|Can't complete SOCKS5 connection to \S+ \(2\)/i;

/* Names resolve (on the direct route, through the test's lookup) to a web server on a loopback address of its own. */
const SERVER = '127.0.98.4';
const NAMES: Record<string, string> = { 'ok.dest.test': SERVER, 'no.dest.test': SERVER, 'hidden.dest.test': SERVER };
const lookup = async (host: string) => {
  const address = NAMES[host];
  if (!address) throw Object.assign(new Error(`${host}: NXDOMAIN`), { code: 'ENOTFOUND' });
  return [{ address, family: 4 as const }];
};

describe('--allow-dest and --deny-dest through the SOCKS listener, with curl', () => {
  let web: http.Server;
  let webPort: number;
  let accepted = 0;
  let socksPort: number;
  let tunnel: RunningTunnel;

  beforeAll(async () => {
    web = http.createServer((req, res) => res.end(`hello ${req.headers.host}\n`));
    web.on('connection', () => accepted++);
    await new Promise<void>((r) => web.listen(0, SERVER, r));
    webPort = (web.address() as net.AddressInfo).port;
    socksPort = await freePort();
    tunnel = await startTunnel({
      flags: {
        mode: 'direct',
        'socks.listen': `127.0.0.1:${socksPort}`,
        allowDest: `.dest.test:${webPort}`,
        denyDest: `no.dest.test,${SERVER}/32:${webPort}-${webPort}`,
      },
      lookup,
    });
  });
  afterAll(async () => {
    await tunnel?.close();
    await new Promise((r) => web?.close(r));
  });

  const curl = (url: string) => run('curl', ['-sS', '--max-time', '10', '--socks5-hostname', `127.0.0.1:${socksPort}`, url]).then(
    (r) => ({ ok: true, out: r.stdout }),
    (e: { stderr: string }) => ({ ok: false, out: e.stderr }),
  );
  const warnings = (pattern: RegExp) => tunnel.logs.filter((l) => /"level":"warn"/.test(l) && pattern.test(l));

  it('a denied name, a name outside the allow list and the metadata address get REP 2 (not allowed), one warning naming the rule, and no upstream connection', async () => {
    const denied = await curl(`http://no.dest.test:${webPort}/`);
    expect(denied.ok).toBe(false);
    expect(denied.out).toMatch(NOT_ALLOWED);
    expect(accepted).toBe(0);
    expect(warnings(/no\.dest\.test.*refused by --deny-dest entry \\"no\.dest\.test\\"/)).toHaveLength(1);

    const outside = await curl(`http://elsewhere.test:${webPort}/`);
    expect(outside.out).toMatch(NOT_ALLOWED);
    expect(warnings(/elsewhere\.test:\d+ matches no --allow-dest entry/)).toHaveLength(1);

    const metadata = await curl('http://169.254.169.254/latest/meta-data/');
    expect(metadata.out).toMatch(NOT_ALLOWED);
    expect(warnings(/169\.254\.169\.254:80 is a link-local or metadata address/)).toHaveLength(1);
    expect(accepted).toBe(0);
  });

  it('a name whose resolved address a --deny-dest range refuses is not connected on the direct route', async () => {
    const r = await curl(`http://hidden.dest.test:${webPort}/`);
    expect(r.ok).toBe(false);
    expect(r.out).toMatch(NOT_ALLOWED);
    expect(accepted).toBe(0);
    expect(warnings(new RegExp(`hidden\\.dest\\.test:${webPort} \\(${SERVER.replace(/\./g, '\\.')}\\) is refused by --deny-dest entry`))).toHaveLength(1);
  });
});

describe('an allowed destination goes through', () => {
  it('curl --socks5-hostname reaches the server by name (case and a trailing dot ignored)', async () => {
    const web = http.createServer((req, res) => res.end(`hello ${req.headers.host}\n`));
    await new Promise<void>((r) => web.listen(0, SERVER, r));
    const webPort = (web.address() as net.AddressInfo).port;
    const socksPort = await freePort();
    const tunnel = await startTunnel({ flags: { mode: 'direct', 'socks.listen': `127.0.0.1:${socksPort}`, allowDest: `ok.dest.test:${webPort}`, denyDest: 'no.dest.test' }, lookup });
    try {
      const { stdout } = await run('curl', ['-sS', '--max-time', '10', '--socks5-hostname', `127.0.0.1:${socksPort}`, `http://OK.dest.test.:${webPort}/`]);
      expect(stdout).toBe(`hello OK.dest.test.:${webPort}\n`);
    } finally {
      await tunnel.close();
      await new Promise((r) => web.close(r));
    }
  });
});
