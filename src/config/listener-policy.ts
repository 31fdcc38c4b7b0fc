import { BlockList } from 'node:net';
import { usageError } from '../errors';
import { isLoopback, isPortText, parseHostPort } from '../net/address';
import { blockListFamily, canonicalIp, ipFamily } from '../util/ip';
import type { RawSettings, SettingKey } from './schema';
import { inSetting, settingName } from './setting';

/**
 * Where a local proxy listener (--socks, --http-proxy) binds and whom it serves: one policy for
 * both, so that neither can become an open proxy by a rule the other lacks.
 */
export interface ProxyListenerSettings {
  host: string;
  port: number;
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
      const family = ipFamily(ip);
      const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
      if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32) || (bits !== undefined && !/^\d+$/.test(bits))) {
        throw usageError('ERR_CONFIG', `"${entry}" is not an IP address or CIDR range (e.g. 10.0.0.0/8, 192.168.1.7, fd00::/8)`);
      }
      list.addSubnet(ip, prefix, blockListFamily(family));
    }
  });
  return { list, entries };
}

/**
 * `[ADDR:]PORT` of a local proxy listener (both loopbacks when ADDR is left out) with the
 * --allow-clients rule: a non-loopback ADDR without it is a one-line start-up error.
 */
export function proxyListener(raw: RawSettings, key: SettingKey, text: string, example: number): ProxyListenerSettings {
  const { host, port } = inSetting(key, () => {
    // No ADDR: "localhost", which the listener binds as both loopbacks, as the tunnels do.
    const hp = parseHostPort(text.includes(':') ? text : `localhost:${text}`);
    const n = Number(hp?.port);
    if (!hp || !isPortText(hp.port) || !(ipFamily(hp.host) || (hp.host === 'localhost' && !text.includes(':'))) || n > 65535) {
      throw usageError('ERR_CONFIG', `"${text}" is not [ADDR:]PORT, e.g. ${example} or 127.0.0.1:${example}`);
    }
    return { host: hp.host, port: n };
  });
  const { list, entries } = clientList(raw.allowClients);
  if (host !== 'localhost' && !isLoopback(host) && entries.length === 0) {
    throw usageError(
      'ERR_CONFIG',
      `${settingName(key)} ${text} is not loopback: anyone who reaches it could use ptunnel as an open proxy into your network; give ${settingName('allowClients')} CIDR[,CIDR] with the clients to serve, or bind 127.0.0.1`,
    );
  }
  return {
    host,
    port,
    allowClients: entries,
    allowsClient: (address) => {
      const ip = canonicalIp(address);
      if (entries.length === 0) return isLoopback(ip);
      return list.check(ip, blockListFamily(ipFamily(ip)));
    },
  };
}
