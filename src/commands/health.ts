import http from 'node:http';
import { sanitizeLine } from '../log/sanitize';
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
    let done = false;
    const finish = (code: number, line: string) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      (code === 0 ? io.stdout : io.stderr)(`${url}: ${line}\n`);
      resolve(code);
    };
    // A fresh connection each time: a pooled one could be stale and say nothing about now.
    const req = http.get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        // /readyz says a word; whatever else answers on the port need not be read to its end.
        if (body.length < 1024) body += c;
      });
      res.on('end', () => {
        const ok = res.statusCode === 200;
        finish(ok ? 0 : 1, `${res.statusCode} ${sanitizeLine(body.slice(0, 1024).trim())}`);
      });
      res.on('error', () => undefined);
    });
    // A deadline for the whole request, not an idle timeout: a server that trickles its answer
    // byte by byte must not hold a HEALTHCHECK past its own timeout.
    const deadline = setTimeout(() => {
      finish(1, `no answer within ${input.timeoutText}`);
      req.destroy();
    }, timeoutMs);
    req.on('error', (err) => finish(1, sanitizeLine((err as NodeJS.ErrnoException).code ?? err.message)));
  });
}
