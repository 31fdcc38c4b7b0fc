import { execFile } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { logged } from '../support/mail-servers';
import { NtlmSquid, ntlmSquidUnavailable, startNtlmSquid } from '../support/ntlm-squid';
import { freePort } from '../support/ports';
import { startProxy, TestProxy } from '../support/squid';
import { RunningTunnel, startTunnel } from '../support/tunnel';

const run = promisify(execFile);
const SERVER = '127.0.98.7';
const CLIENT_AUTH = `Basic ${Buffer.from('client:not-for-upstream').toString('base64')}`;
const PTUNNEL_AUTH = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;

async function startOrigin(): Promise<{ server: http.Server; port: number; bodies: string[] }> {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      bodies.push(body);
      res.end(`origin ${req.url} ${body.length}\n`);
    });
  });
  await new Promise<void>((r) => server.listen(0, SERVER, r));
  return { server, port: (server.address() as net.AddressInfo).port, bodies };
}

const curl = (listenPort: number, url: string, ...extra: string[]) =>
  run('curl', ['-sS', '--max-time', '20', '-x', `http://127.0.0.1:${listenPort}`, '-H', `Proxy-Authorization: ${CLIENT_AUTH}`, ...extra, url]).catch((e: { stdout: string; stderr: string }) => e);

/*
 * Forwarded requests authenticate upstream with ptunnel's own credentials; the client's
 * Proxy-Authorization stays with ptunnel.
 */
describe('HTTP proxy listener, an authenticating squid (Basic)', () => {
  let squid: TestProxy;
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  let listenPort: number;
  let tunnel: RunningTunnel;

  beforeAll(async () => {
    origin = await startOrigin();
    squid = await startProxy({ requireAuth: true });
    listenPort = await freePort();
    tunnel = await startTunnel({
      flags: { mode: 'proxy', 'proxy.url': squid.url, 'proxy.user': 'alice', 'proxy.password': 's3cret', 'httpProxy.listen': `127.0.0.1:${listenPort}` },
    });
  });
  afterAll(async () => {
    await tunnel?.close();
    await new Promise((r) => origin?.server.close(r));
    await squid?.stop();
  });

  it('a GET and a POST go through with ptunnel\'s credentials (squid logs its user)', async () => {
    const get = await curl(listenPort, `http://${SERVER}:${origin.port}/get`);
    expect(get.stdout).toBe('origin /get 0\n');
    const post = await curl(listenPort, `http://${SERVER}:${origin.port}/post`, '--data-binary', 'p'.repeat(10_000));
    expect(post.stdout).toBe('origin /post 10000\n');
    expect(await logged(squid.accessLog, /TCP_MISS\/200 \d+ POST http:\/\/127\.0\.98\.7:\d+\/post alice /)).toMatch(/GET http:\/\/127\.0\.98\.7:\d+\/get alice /);
  });
});

const UPSTREAM_HOST = '127.0.0.3';

describe('HTTP proxy listener, a recording upstream proxy', () => {
  let upstream: http.Server;
  let upstreamPort: number;
  const seen: Array<{ url: string; auth: string | undefined; body: number }> = [];
  let listenPort: number;
  let tunnel: RunningTunnel;

  beforeAll(async () => {
    // Answers itself: 407 (Basic) until it gets ptunnel's credentials, then 200.
    upstream = http.createServer((req, res) => {
      let body = 0;
      req.on('data', (d: Buffer) => (body += d.length));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', auth: req.headers['proxy-authorization'], body });
        if (req.headers['proxy-authorization'] !== PTUNNEL_AUTH) {
          res.writeHead(407, { 'Proxy-Authenticate': 'Basic realm="test"', 'Content-Length': 6 }).end('denied');
        } else res.end(`proxied ${req.url} ${body}\n`);
      });
    });
    // An address of its own: auto remembers the scheme it chose per proxy address for the life of
    // the process, and this file's squid above (127.0.0.1, an OS-chosen port) taught it Basic; had
    // the OS handed this server that squid's old port, no probe would be seen here.
    await new Promise<void>((r) => upstream.listen(0, UPSTREAM_HOST, r));
    upstreamPort = (upstream.address() as net.AddressInfo).port;
    listenPort = await freePort();
    tunnel = await startTunnel({
      flags: { mode: 'proxy', 'proxy.url': `http://${UPSTREAM_HOST}:${upstreamPort}`, 'proxy.user': 'alice', 'proxy.password': 's3cret', 'httpProxy.listen': `127.0.0.1:${listenPort}` },
    });
  });
  afterAll(async () => {
    await tunnel?.close();
    await new Promise((r) => upstream?.close(r));
  });

  it('the 407 round is answered with ptunnel\'s credentials, the body sent again; the client\'s header is never seen upstream', async () => {
    const r = await curl(listenPort, `http://${SERVER}:1/replayed`, '--data-binary', 'b'.repeat(2000));
    expect(r.stdout).toBe(`proxied http://${SERVER}:1/replayed 2000\n`);
    // auto: a first request without credentials to learn the scheme, then Basic with the same body.
    expect(seen.map((s) => [s.auth, s.body])).toEqual([
      [undefined, 2000],
      [PTUNNEL_AUTH, 2000],
    ]);
    expect(seen.every((s) => s.auth !== CLIENT_AUTH)).toBe(true);
  });
});

const unavailable = ntlmSquidUnavailable();
(unavailable ? describe.skip : describe)(`HTTP proxy listener, an NTLM squid${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let squid: NtlmSquid;
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  let listenPort: number;
  let tunnel: RunningTunnel;

  beforeAll(async () => {
    origin = await startOrigin();
    squid = await startNtlmSquid({ user: 'pthttp', password: 'Forward me 1' });
    listenPort = await freePort();
    tunnel = await startTunnel({
      flags: { mode: 'proxy', 'proxy.url': squid.url, 'proxy.user': `${squid.domain}\\${squid.user}`, 'proxy.password': squid.password, 'httpProxy.listen': `127.0.0.1:${listenPort}` },
    });
  }, 60_000);
  afterAll(async () => {
    await tunnel?.close();
    await new Promise((r) => origin?.server.close(r));
    await squid?.stop();
  });

  it('a GET is forwarded after the NTLM rounds on one upstream connection', async () => {
    const r = await curl(listenPort, `http://${SERVER}:${origin.port}/ntlm`);
    expect(r.stdout).toBe('origin /ntlm 0\n');
    expect(await logged(squid.accessLog, /GET http:\/\/127\.0\.98\.7:\d+\/ntlm/)).toMatch(/TCP_MISS\/200 \d+ GET http:\/\/127\.0\.98\.7:\d+\/ntlm \S*pthttp /i);
  }, 30_000);

  it('a body over 1 MiB that would need another NTLM round gets a clear 502', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ptunnel-big-')), 'body');
    writeFileSync(file, Buffer.alloc(2 * 1024 * 1024, 0x61));
    const r = await curl(listenPort, `http://${SERVER}:${origin.port}/big`, '--data-binary', `@${file}`, '-w', '%{http_code}');
    expect(r.stdout).toMatch(/another round of NTLM authentication, and a request body over 1 MiB cannot be sent twice[^\n]*\n502$/);
    expect(origin.bodies.some((b) => b.length > 1024 * 1024)).toBe(false);
  }, 30_000);
});
