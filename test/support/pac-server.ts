import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLI, cleanEnv } from './cli';

/** What the PAC server does with a request: serve a text, hang, answer a status, or send `bytes` of filler. */
export type PacReply = { body: string } | { hang: true } | { status: number } | { bytes: number };

export interface PacServer {
  url: string;
  /** Requests served so far. */
  requests(): number;
  reply(next: PacReply): void;
  close(): Promise<void>;
}

/** A stdlib HTTP server handing out a PAC file the test changes at will. */
export async function startPacServer(first: PacReply, host = '127.0.0.1', listenPort = 0): Promise<PacServer> {
  let current = first;
  let count = 0;
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    count++;
    const r = current;
    if ('hang' in r) {
      hanging.add(res);
      return;
    }
    if ('status' in r) {
      res.writeHead(r.status).end();
      return;
    }
    if ('bytes' in r) {
      res.writeHead(200, { 'content-type': 'application/x-ns-proxy-autoconfig' });
      // No Content-Length: the size limit must hold while streaming too.
      const chunk = Buffer.alloc(64 * 1024, '/');
      let left = r.bytes;
      const pump = () => {
        while (left > 0) {
          left -= chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => undefined);
      pump();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-ns-proxy-autoconfig' }).end(r.body);
  });
  await new Promise<void>((resolve) => server.listen(listenPort, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/proxy.pac`,
    requests: () => count,
    reply: (next) => void (current = next),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Runs the built CLI without blocking this process (the PAC server lives here). */
export function runCliAsync(args: string[], env: NodeJS.ProcessEnv = cleanEnv()): Promise<{ status: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const proc = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    proc.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, ms: Date.now() - started });
    }),
  );
}

/** Polls `what` until it holds, failing after `ms` with `label`. */
export async function waitFor(what: () => boolean, label: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** How often `re` matches in `text`. */
export const count = (text: string, re: RegExp): number => text.match(new RegExp(re, 'g'))?.length ?? 0;
