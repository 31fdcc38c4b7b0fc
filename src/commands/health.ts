import http from 'node:http';
import { parseArgs } from 'node:util';
import { formatHostPort, localAddressOf } from '../net/address';
import { parseAdminAddress } from '../config/load';
import { usageError } from '../errors';
import { parseDuration } from '../util/duration';
import type { CommandIo } from './args';

const DEFAULT_ADMIN = '127.0.0.1:9090';

/**
 * `ptunnel health [--admin ADDR:PORT] [--timeout 3s]`: exit 0 when /readyz answers 200, 1
 * otherwise. Made for Docker's HEALTHCHECK in an image that has no curl.
 */
export async function runHealth(argv: string[], io: CommandIo): Promise<number> {
  let values: { admin?: string; timeout?: string; help?: boolean };
  try {
    values = parseArgs({
      args: argv,
      options: { admin: { type: 'string' }, timeout: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }).values;
  } catch (err) {
    throw usageError('ERR_USAGE', `${(err as Error).message.split('\n')[0]}; usage: ptunnel health [--admin ADDR:PORT] [--timeout 3s]`, err);
  }
  if (values.help) {
    io.stdout('Usage: ptunnel health [--admin ADDR:PORT] [--timeout 3s]\n\nExit 0 when the admin server\'s /readyz answers 200, 1 otherwise.\nThe address defaults to PTUNNEL_ADMIN, then 127.0.0.1:9090.\n');
    return 0;
  }
  const admin = parseAdminAddress(values.admin ?? io.env.PTUNNEL_ADMIN ?? DEFAULT_ADMIN);
  const host = localAddressOf(admin.host);
  const timeoutMs = parseDuration(values.timeout ?? '3s', 'timeout');
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
    req.on('timeout', () => req.destroy(new Error(`no answer within ${values.timeout ?? '3s'}`)));
    req.on('error', (err) => {
      io.stderr(`${url}: ${(err as NodeJS.ErrnoException).code ?? err.message}\n`);
      resolve(1);
    });
  });
}
