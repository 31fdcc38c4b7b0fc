import net from 'node:net';
import type { ProxySettings } from '../../../src/config/load';
import { ConnectRequest, parseConnectRequest } from '../../../src/proxy/connect-request';

/**
 * A test-code proxy for the auth fault cases: it reads CONNECT after CONNECT on each connection
 * and answers as `answer` says: a reply (optionally closing after it), or 'tunnel', which opens
 * the real connection to the target and pipes, as a proxy that let the client in does.
 */
export type Answer = { reply: string; close?: boolean } | 'tunnel';

export interface RoundInfo {
  /** 0-based index of the TCP connection. */
  connection: number;
  /** 1-based CONNECT on this connection. */
  round: number;
}

export interface ScriptedProxy {
  port: number;
  url: string;
  /** Per TCP connection, the CONNECT requests it carried. */
  connections: ConnectRequest[][];
  close(): Promise<void>;
}

export function answer407(challenges: string[], extra = ''): string {
  const body = 'authenticate, please';
  return `HTTP/1.1 407 Proxy Authentication Required\r\n${challenges.map((c) => `Proxy-Authenticate: ${c}\r\n`).join('')}${extra}Content-Length: ${body.length}\r\n\r\n${body}`;
}

export async function startScriptedProxy(answer: (request: ConnectRequest, info: RoundInfo) => Answer): Promise<ScriptedProxy> {
  const connections: ConnectRequest[][] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    const requests: ConnectRequest[] = [];
    const connection = connections.length;
    connections.push(requests);
    sockets.add(socket);
    socket.on('error', () => undefined);
    let buf = '';
    const onData = (chunk: Buffer) => {
      buf += chunk.toString('latin1');
      for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
        const request = parseConnectRequest(buf.slice(0, end));
        buf = buf.slice(end + 4);
        requests.push(request);
        const a = answer(request, { connection, round: requests.length });
        if (a === 'tunnel') {
          socket.removeListener('data', onData);
          const upstream = net.connect(request.port, request.host, () => {
            socket.write('HTTP/1.1 200 Connection established\r\n\r\n');
            if (buf) upstream.write(Buffer.from(buf, 'latin1'));
            socket.pipe(upstream).pipe(socket);
          });
          upstream.on('error', () => socket.destroy());
          sockets.add(upstream);
          return;
        }
        socket.write(a.reply);
        if (a.close) {
          socket.end();
          return;
        }
      }
    };
    socket.on('data', onData);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    connections,
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  };
}

/** Settings for CORP\alice with a password, as loadConfig would make them, for connectViaProxy. */
export function aliceSettings(port: number, auth: ProxySettings['auth'] = 'ntlm'): ProxySettings {
  return {
    endpoint: { protocol: 'http', host: '127.0.0.1', port, username: 'CORP\\alice' },
    auth,
    credentials: { user: 'CORP\\alice', account: 'alice', domain: 'CORP', password: 'pw' },
    authorization: `Basic ${Buffer.from('CORP\\alice:pw').toString('base64')}`,
    source: 'test',
  };
}
