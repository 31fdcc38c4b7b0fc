import http from 'node:http';
import { controlGet, discoverControlSockets } from '../admin/control-socket';
import { sanitizeLine } from '../log/sanitize';
import { formatHostPort, localAddressOf } from '../net/address';
import type { CommandIo } from './io';

export interface HealthInput {
  /** --admin or PTUNNEL_ADMIN; without it the control sockets, then 127.0.0.1:9090. */
  admin?: { host: string; port: number };
  timeoutMs: number;
  /** The timeout as the user wrote it, for the message when it passes. */
  timeoutText: string;
}

/**
 * `ptunnel health [--admin ADDR:PORT] [--timeout 3s]`: exit 0 when /readyz answers 200, 1
 * otherwise. Made for Docker's HEALTHCHECK in an image that has no curl.
 */
export async function runHealth(input: HealthInput, io: CommandIo): Promise<number> {
  if (input.admin) return adminHealth({ ...input, admin: input.admin }, io);
  const sockets = discoverControlSockets(io.env);
  // None running here: an admin server on the default address may still answer (a sidecar).
  if (sockets.length === 0) return adminHealth({ ...input, admin: DEFAULT_ADMIN }, io);
  let code = 0;
  for (const { path } of sockets) {
    try {
      const res = await controlGet({ socketPath: path }, '/readyz', input.timeoutMs);
      const line = `${path}: ${res.status} ${sanitizeLine(res.body.slice(0, 1024).trim())}\n`;
      if (res.status === 200) io.stdout(line);
      else {
        code = 1;
        io.stderr(line);
      }
    } catch (err) {
      code = 1;
      io.stderr(`${path}: ${sanitizeLine((err as Error).message.replace(/within \d+ ms/, `within ${input.timeoutText}`))}\n`);
    }
  }
  return code;
}

const DEFAULT_ADMIN = { host: '127.0.0.1', port: 9090 };

async function adminHealth(input: HealthInput & { admin: { host: string; port: number } }, io: CommandIo): Promise<number> {
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
