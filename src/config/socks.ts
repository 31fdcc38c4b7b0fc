import { BlockList, isIP } from 'node:net';
import { usageError } from '../errors';
import { isLoopback, isPortText, parseHostPort } from '../net/address';
import { canonicalIp } from '../util/ip';
import { readNamedFile } from '../util/files';
import type { RawSettings } from './schema';
import { inSetting, settingName } from './setting';

export interface SocksSettings {
  host: string;
  port: number;
  /** RFC 1929 user and password; undefined: no authentication. */
  credentials?: { user: string; password: string };
  /** Whether a client address may use the listener (loopback only unless --allow-clients). */
  allowsClient(address: string): boolean;
  /** The --allow-clients text, for messages. */
  allowClients: string[];
}

function clientList(text: string | null): { list: BlockList; entries: string[] } {
  const list = new BlockList();
  const entries = (text ?? '').split(',').map((e) => e.trim()).filter((e) => e.length > 0);
  inSetting('allowClients', () => {
    for (const entry of entries) {
      const [ip = '', bits] = entry.split('/');
      const family = isIP(ip);
      const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
      if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32) || (bits !== undefined && !/^\d+$/.test(bits))) {
        throw usageError('ERR_CONFIG', `"${entry}" is not an IP address or CIDR range (e.g. 10.0.0.0/8, 192.168.1.7, fd00::/8)`);
      }
      list.addSubnet(ip, prefix, family === 6 ? 'ipv6' : 'ipv4');
    }
  });
  return { list, entries };
}

/** --socks and its companions, or undefined when no SOCKS listener was asked for. */
export function resolveSocks(raw: RawSettings): SocksSettings | undefined {
  const text = raw.socks.listen?.trim();
  if (!text) return undefined;
  const { host, port } = inSetting('socks.listen', () => {
    // No ADDR: "localhost", which the listener binds as both loopbacks, as the tunnels do.
    const hp = parseHostPort(text.includes(':') ? text : `localhost:${text}`);
    const n = Number(hp?.port);
    if (!hp || !isPortText(hp.port) || !(isIP(hp.host) || (hp.host === 'localhost' && !text.includes(':'))) || n > 65535) {
      throw usageError('ERR_CONFIG', `"${text}" is not [ADDR:]PORT, e.g. 1080 or 127.0.0.1:1080`);
    }
    return { host: hp.host, port: n };
  });
  const { list, entries } = clientList(raw.allowClients);
  if (host !== 'localhost' && !isLoopback(host) && entries.length === 0) {
    throw usageError(
      'ERR_CONFIG',
      `${settingName('socks.listen')} ${text} is not loopback: anyone who reaches it could use ptunnel as an open proxy into your network; give ${settingName('allowClients')} CIDR[,CIDR] with the clients to serve, or bind 127.0.0.1`,
    );
  }
  const user = raw.socks.user?.trim() || undefined;
  const passwordFile = raw.socks.passwordFile?.trim() || undefined;
  if ((user === undefined) !== (passwordFile === undefined)) {
    throw usageError('ERR_CONFIG', `${settingName('socks.user')} and ${settingName('socks.passwordFile')} go together; give both or neither`);
  }
  const settings: SocksSettings = {
    host,
    port,
    allowClients: entries,
    allowsClient: (address) => {
      const ip = canonicalIp(address);
      if (entries.length === 0) return isLoopback(ip);
      return list.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');
    },
  };
  if (user !== undefined && passwordFile !== undefined) {
    const password = readNamedFile(passwordFile, 'SOCKS password file', 'ERR_CONFIG').toString('utf8').replace(/\r?\n$/, '');
    if (password.length === 0 || Buffer.byteLength(password) > 255 || Buffer.byteLength(user) > 255) {
      throw usageError('ERR_CONFIG', `the SOCKS user name and password must each be 1-255 bytes (RFC 1929); check ${settingName('socks.passwordFile')}`);
    }
    settings.credentials = { user, password };
  }
  return settings;
}
