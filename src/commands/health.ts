import http from 'node:http';
import { formatHostPort, localAddressOf } from '../net/address';
import type { CommandIo } from './io';

export interface HealthInput {
  admin: { host: string; port: number };
  timeoutMs: number;
  /** The timeout as the user wrote it, for the message when it passes. */
  timeoutText: string;
}

/**
 * `ptunnel health [--admin ADDR:PORT] [--timeout 3s]`: exit 0 when /readyz answers 200, 1
 * otherwise. Made for Docker's HEALTHCHECK in an image that has no curl.
 */
export async function runHealth(input: HealthInput, io: CommandIo): Promise<number> {
  const { admin, timeoutMs } = input;
  const host = localAddressOf(admin.host);
  const url = `http://${formatHostPort(host, admin.port)}/readyz`;
  return new Promise<number>((resolve) => {
    // A fresh connection each time: a pooled one could be stale and say nothing about now.
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        const ok = res.statusCode === 200;
        (ok ? io.stdout : io.stderr)(`${url}: ${res.statusCode} ${body.trim()}\n`);
        resolve(ok ? 0 : 1);
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${input.timeoutText}`)));
    req.on('error', (err) => {
      io.stderr(`${url}: ${(err as NodeJS.ErrnoException).code ?? err.message}\n`);
      resolve(1);
    });
  });
}
