import { execFile } from 'node:child_process';
import http from 'node:http';
import net, { AddressInfo } from 'node:net';
import { findTool } from '../support/tools';

export interface CurlResult {
  /** The proxy's answer to CONNECT (0 when curl got none). */
  connect: number;
  /** The target's HTTP status through the tunnel (0 when the tunnel failed). */
  status: number;
  body: string;
}

/**
 * curl with `args` (proxy and credential flags) tunnelling with CONNECT (`-p`) to `target`.
 * `wrap` puts curl under another command (unshare for a private /etc/hosts).
 */
export function curlThrough(args: string[], target: string, env: NodeJS.ProcessEnv = {}, wrap: (cmd: string, args: string[]) => [string, string[]] = (c, a) => [c, a]): Promise<CurlResult> {
  const curl = findTool('curl');
  if (!curl) throw new Error('curl is not installed (apt-get install -y curl)');
  const [cmd, argv] = wrap(curl, ['-sS', '--max-time', '20', '-p', '-w', '\n%{http_connect} %{http_code}', ...args, target]);
  return new Promise((resolve) => {
    execFile(cmd, argv, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8' }, (_err, stdout) => {
      const lines = stdout.split('\n');
      const [connect, status] = (lines.pop() ?? '').split(' ').map(Number);
      resolve({ connect: connect || 0, status: status || 0, body: lines.join('\n') });
    });
  });
}

/** A loopback HTTP server for the far end of the tunnel; answers every request with `body`. */
export async function startTarget(body = 'through the proxy\n'): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => res.end(body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The head of the proxy's answer to a CONNECT without credentials (its 407 and challenges). */
export function connectHead(port: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`));
    let head = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer to CONNECT in 10 s')));
    socket.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end >= 0) {
        socket.destroy();
        resolve(head.slice(0, end));
      }
    });
    socket.once('error', reject);
  });
}
