import http from 'node:http';
import net from 'node:net';
import { HttpProxyRig, startHttpProxyRig } from '../support/http-proxy';
import type { TestProxy } from '../support/squid';

const SERVER = '127.0.98.5';

/** What a raw client got back: the whole answer, and whether ptunnel closed the connection. */
function exchange(port: number, request: string | Buffer, timeoutMs = 3000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: false });
    }, timeoutMs);
    socket.on('error', () => undefined);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: true });
    });
    socket.write(request);
  });
}

/** The status line, headers and body of a refusal, checked for being one whole HTTP answer. */
function answer(text: string): { status: number; headers: Record<string, string>; body: string } {
  const end = text.indexOf('\r\n\r\n');
  expect(end).toBeGreaterThan(0);
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n') as [string, ...string[]];
  const m = /^HTTP\/1\.1 (\d{3}) [A-Za-z ]+$/.exec(statusLine);
  expect(m).not.toBeNull();
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  const body = text.slice(end + 4);
  expect(Number(headers['content-length'])).toBe(Buffer.byteLength(body, 'latin1'));
  return { status: Number(m?.[1]), headers, body };
}

/** Every malformed or forbidden request gets ptunnel's own refusal, and the server behind sees nothing. */
describe.each(['squid', 'direct'] as const)('HTTP proxy refusals open no upstream, route %s', (route) => {
  let rig: HttpProxyRig;
  let proxy: TestProxy | undefined;
  let webPort: number;
  let accepted = 0;
  let listenPort: number;

  beforeAll(async () => {
    const web = http.createServer((_req, res) => res.end('reached\n'));
    web.on('connection', () => (accepted += 1));
    rig = await startHttpProxyRig(route, web, SERVER, { lookup: async () => [{ address: SERVER, family: 4 }] });
    ({ proxy, webPort, listenPort } = rig);
  });
  afterAll(() => rig?.close());

  const target = () => `http://${SERVER}:${webPort}`;
  const squidLines = () => (proxy ? proxy.accessLog().split('\n').filter((l) => l.includes(`:${webPort}`)).length : 0);

  const cases: Array<[string, () => string, number, RegExp]> = [
    ['CR/LF in the host of the URI', () => `GET http://${SERVER}\r\nX-Injected: 1/ HTTP/1.1\r\nHost: a\r\n\r\n`, 400, /request line ends with its version|malformed/],
    ['CR in the Host header', () => `GET ${target()}/ HTTP/1.1\r\nHost: a\rb\r\n\r\n`, 400, /malformed/],
    ['Content-Length and Transfer-Encoding together', () => `POST ${target()}/ HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400, /Content-Length|Transfer-Encoding/],
    ['two Content-Length headers', () => `POST ${target()}/ HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab`, 400, /Content-Length/],
    ['an obs-fold header', () => `GET ${target()}/ HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n`, 400, /malformed/],
    ['a head over 16 KiB', () => `GET ${target()}/ HTTP/1.1\r\nHost: a\r\nX-Big: ${'b'.repeat(17 * 1024)}\r\n\r\n`, 431, /over 16 KiB/],
    ['Transfer-Encoding: gzip, chunked', () => `POST ${target()}/ HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`, 501, /only "Transfer-Encoding: chunked"/],
    ['an origin-form request', () => 'GET / HTTP/1.1\r\nHost: example.com\r\n\r\n', 400, /this is a proxy: use absolute URIs/],
    ['https:// in absolute form', () => `GET https://${SERVER}:${webPort}/ HTTP/1.1\r\nHost: a\r\n\r\n`, 400, /CONNECT/],
    ['a metadata address', () => 'GET http://169.254.169.254/latest/meta-data/ HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n', 403, /metadata/],
    ['CONNECT to a metadata address', () => 'CONNECT 169.254.169.254:80 HTTP/1.1\r\nHost: 169.254.169.254:80\r\n\r\n', 403, /metadata/],
    ['ptunnel\'s own port', () => `GET http://127.0.0.1:${listenPort}/ HTTP/1.1\r\nHost: a\r\n\r\n`, 403, /own listener/],
    ['CONNECT to ptunnel\'s own port', () => `CONNECT 127.0.0.1:${listenPort} HTTP/1.1\r\nHost: a\r\n\r\n`, 403, /own listener/],
    ['CONNECT without a port', () => `CONNECT ${SERVER} HTTP/1.1\r\nHost: a\r\n\r\n`, 400, /host:port/],
  ];

  it.each(cases)('%s: a protocol-correct refusal, the connection closed, no upstream', async (_name, request, status, reason) => {
    const before = accepted;
    const logged = squidLines();
    const reply = await exchange(listenPort, request());
    const a = answer(reply.text);
    expect(a.status).toBe(status);
    expect(a.headers.connection).toBe('close');
    expect(a.headers['content-type']).toMatch(/^text\/plain/);
    expect(a.body).toMatch(reason);
    expect(a.body.trimEnd()).not.toMatch(/\n/);
    expect(reply.closed).toBe(true);
    expect(accepted).toBe(before);
    expect(squidLines()).toBe(logged);
  });

  it('a good request after all that reaches the server (the count is real)', async () => {
    const before = accepted;
    const reply = await exchange(listenPort, `GET ${target()}/ok HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
    expect(reply.text).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nreached\n$/);
    expect(accepted).toBe(before + 1);
  });

  it('bytes sent right after the CONNECT head go upstream, after the 200', async () => {
    const reply = await exchange(listenPort, `CONNECT ${SERVER}:${webPort} HTTP/1.1\r\nHost: a\r\n\r\nGET /early HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
    expect(reply.text).toMatch(/^HTTP\/1\.1 200 Connection established\r\n\r\nHTTP\/1\.1 200 OK\r\n[\s\S]*reached\n$/);
  });
});
