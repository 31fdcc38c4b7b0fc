import { usageError } from '../errors';
import { isPortText, parseHostPort, validateHost } from '../net/address';
import { inSetting } from './setting';
import { ipFamily } from '../util/ip';

export interface AdminAddress {
  host: string;
  port: number;
  /** --admin-host: names the server answers to besides its address, canonical (lower case). */
  names: string[];
}

/** `HOST:PORT`, `[IPv6]:PORT` or a bare `PORT` (loopback); a bad one is reported as the admin setting. */
export function parseAdminAddress(text: string, names: readonly string[] = []): AdminAddress {
  const hosts = inSetting('adminHost', () => names.map((n) => validateHost(n.trim(), 'admin host')));
  return inSetting('admin', () => {
    const hp = parseHostPort(text.includes(':') ? text : `127.0.0.1:${text}`);
    const port = Number(hp?.port);
    if (!hp || !isPortText(hp.port) || !ipFamily(hp.host) || port > 65535) {
      throw usageError('ERR_CONFIG', `"${text}" is not ADDR:PORT, e.g. 127.0.0.1:9090 or 0.0.0.0:9090`);
    }
    return { host: hp.host, port, names: hosts };
  });
}
