import net from 'node:net';
import type { ProxySettings } from '../../src/config/load';
import { PtunnelError } from '../../src/errors';
import type { AuthChallenge, ProxyAuthScheme } from '../../src/proxy/auth/scheme';
import { ConnectRequest, parseConnectRequest } from '../../src/proxy/connect-request';
import { connectViaProxy, ProxyTunnel } from '../../src/proxy/connector';

/** What the proxy writes for the n-th CONNECT on a connection: pieces, written a tick apart. */
type Script = (request: ConnectRequest, round: number) => string[];

interface ScriptedProxy {
  port: number;
  /** Per TCP connection, the CONNECT requests it carried. */
  connections: ConnectRequest[][];
  close(): Promise<void>;
}

/** A proxy that answers each CONNECT on a connection as the script says, and keeps reading. */
async function startScriptedProxy(script: Script): Promise<ScriptedProxy> {
  const connections: ConnectRequest[][] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    const requests: ConnectRequest[] = [];
    connections.push(requests);
    sockets.add(socket);
    socket.on('error', () => undefined);
    let buf = '';
    socket.on('data', async (chunk: Buffer) => {
      buf += chunk.toString('latin1');
      for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
        const request = parseConnectRequest(buf.slice(0, end));
        buf = buf.slice(end + 4);
        requests.push(request);
        for (const piece of script(request, requests.length)) {
          if (piece === '') socket.end();
          else socket.write(piece);
          await new Promise((r) => setTimeout(r, 2));
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections,
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  };
}

/** A test-only scheme: no header first, then one answer per challenge, like NTLM's type 1/3 dance. */
function echoScheme(opts: { async?: boolean; rounds?: number } = {}): ProxyAuthScheme & { seen: AuthChallenge[] } {
  const seen: AuthChallenge[] = [];
  const step = (h: string | undefined) => (opts.async ? Promise.resolve(h) : h);
  return {
    name: 'Echo',
    connectionBound: true,
    seen,
    first: () => step('Echo hello'),
    next: (answer) => {
      seen.push(answer);
      if (seen.length > (opts.rounds ?? 1)) return step(undefined);
      return step(`Echo answer-to-${(answer.headers['proxy-authenticate'] ?? '').split(' ')[1]}`);
    },
  };
}

const BODY = '<html>407: say who you are</html>';
const challenge = (extra = `Content-Length: ${BODY.length}\r\n`, body = BODY) =>
  `HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Echo c1\r\n${extra}\r\n${body}`;
const OK = 'HTTP/1.1 200 Connection established\r\n\r\n';
const BANNER = 'SSH-2.0-server\r\n';

function settings(port: number): ProxySettings {
  return { endpoint: { protocol: 'http', host: '127.0.0.1', port, username: 'alice' }, source: 'test' };
}

/** What the tunnel carries from the server: the head, then the socket (paused until now). */
async function serverBytes(tunnel: ProxyTunnel, length: number): Promise<string> {
  expect(tunnel.socket.isPaused()).toBe(true);
  let text = tunnel.head.toString('latin1');
  tunnel.socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
  tunnel.socket.resume();
  for (let i = 0; i < 200 && text.length < length; i++) await new Promise((r) => setTimeout(r, 5));
  tunnel.socket.destroy();
  return text;
}

describe('a 407 handshake of several rounds', () => {
  const proxies: ScriptedProxy[] = [];
  afterAll(() => Promise.all(proxies.map((p) => p.close())));

  async function attempt(script: Script, auth: ProxyAuthScheme) {
    const proxy = await startScriptedProxy(script);
    proxies.push(proxy);
    const result = await connectViaProxy({ proxy: settings(proxy.port), host: 'imap.example.com', port: 993, timeoutMs: 3000, auth }).then(
      (t) => serverBytes(t, BANNER.length),
      (err: unknown) => err as PtunnelError,
    );
    return { proxy, result };
  }

  it.each([
    ['head, body and the next answer in one piece each', (round: number) => (round === 1 ? [challenge()] : [OK + BANNER])],
    ['the body in pieces after the head', (round: number) => (round === 1 ? [challenge(`Content-Length: ${BODY.length}\r\n`, ''), BODY.slice(0, 5), BODY.slice(5)] : [OK, BANNER])],
    ['the 200 byte by byte', (round: number) => (round === 1 ? [challenge()] : [...OK + BANNER])],
  ])('answers the challenge on the same TCP connection (%s)', async (_name, answers) => {
    const auth = echoScheme();
    const { proxy, result } = await attempt((_req, round) => answers(round), auth);
    // The server's bytes, and nothing of the 407's body.
    expect(result).toBe(BANNER);
    expect(proxy.connections).toHaveLength(1);
    expect(proxy.connections[0]).toEqual([
      { host: 'imap.example.com', port: 993, authorization: 'Echo hello', keepAlive: true },
      { host: 'imap.example.com', port: 993, authorization: 'Echo answer-to-c1', keepAlive: true },
    ]);
    expect(auth.seen.map((a) => a.statusCode)).toEqual([407]);
  });

  it('waits for an asynchronous scheme before sending the next round', async () => {
    const { proxy, result } = await attempt((_req, round) => (round === 1 ? [challenge()] : [OK + BANNER]), echoScheme({ async: true }));
    expect(result).toBe(BANNER);
    expect(proxy.connections.map((c) => c.length)).toEqual([2]);
  });

  it.each([
    ['has no Content-Length (the body ends when the proxy closes)', challenge('', BODY), true],
    ['is chunked', challenge(`Transfer-Encoding: chunked\r\n`, `${BODY.length.toString(16)}\r\n${BODY}\r\n0\r\n\r\n`), false],
    ['comes with Connection: close', challenge(`Content-Length: ${BODY.length}\r\nConnection: close\r\n`), true],
    ['is larger than the bound', challenge(`Content-Length: ${1024 * 1024}\r\n`), false],
  ])('ends with ERR_PROXY_AUTH when the 407 body %s: this socket cannot carry the next round', async (_name, answer, close) => {
    const auth = echoScheme();
    const { proxy, result } = await attempt(() => (close ? [answer, ''] : [answer]), auth);
    expect(result).toBeInstanceOf(PtunnelError);
    expect((result as PtunnelError).code).toBe('ERR_PROXY_AUTH');
    expect((result as PtunnelError).message).toMatch(/did not keep the connection open for the next round of the Echo handshake/);
    // A scheme the caller handed in is not renewed: the retry on a new connection is the factory's.
    expect(proxy.connections.map((c) => c.length)).toEqual([1]);
    expect(auth.seen).toHaveLength(1);
  });

  it('ends with ERR_PROXY_AUTH and today\'s message when the scheme gives up', async () => {
    const auth = echoScheme({ rounds: 1 });
    const { proxy, result } = await attempt(() => [challenge()], auth);
    expect((result as PtunnelError).code).toBe('ERR_PROXY_AUTH');
    expect((result as PtunnelError).details).toEqual({ status: 407, statusLine: 'HTTP/1.1 407 Proxy Authentication Required' });
    expect(proxy.connections.map((c) => c.length)).toEqual([2]);
    expect(auth.seen).toHaveLength(2);
  });

  it('gives up after a bounded number of rounds however willing the scheme is', async () => {
    const { proxy, result } = await attempt(() => [challenge()], echoScheme({ rounds: 100 }));
    expect((result as PtunnelError).code).toBe('ERR_PROXY_AUTH');
    expect(proxy.connections.map((c) => c.length)).toEqual([5]);
  });
});
