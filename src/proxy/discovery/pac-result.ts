import { usageError } from '../../errors';
import type { ProxyEndpoint } from '../../config/proxy-spec';
import { parseProxySpec } from '../../config/proxy-spec';
import { shownBytes } from '../shown';

/** One entry of FindProxyForURL's answer, in order. SOCKS is read but not spoken yet. */
export type PacEntry = { kind: 'proxy'; endpoint: ProxyEndpoint; text: string } | { kind: 'direct' } | { kind: 'socks'; text: string };

const shown = (text: string) => shownBytes(text, 120);

/**
 * Parses "PROXY a:3128; HTTPS b:443; SOCKS5 c:1080; DIRECT". An answer that is not a string, is
 * empty, or has an entry of no known kind is an error: a PAC that answers nonsense must not be
 * taken for DIRECT, which would bypass the company's proxy.
 */
export function parsePacResult(result: unknown): PacEntry[] {
  if (typeof result !== 'string') throw usageError('ERR_PAC', `PAC FindProxyForURL returned ${result === null ? 'null' : typeof result}, not a string such as "PROXY host:port; DIRECT"`);
  const entries: PacEntry[] = [];
  for (const raw of result.split(';')) {
    const part = raw.trim();
    if (part === '') continue;
    const [kind = '', address, ...rest] = part.split(/\s+/);
    const upper = kind.toUpperCase();
    if (upper === 'DIRECT' && address === undefined) {
      entries.push({ kind: 'direct' });
      continue;
    }
    if (address === undefined || rest.length > 0 || !/^(PROXY|HTTP|HTTPS|SOCKS|SOCKS4|SOCKS5)$/.test(upper)) {
      throw usageError('ERR_PAC', `PAC FindProxyForURL returned ${shown(result)}: entry ${shown(part)} is not PROXY host:port, HTTPS host:port, SOCKS host:port or DIRECT`);
    }
    if (upper.startsWith('SOCKS')) {
      entries.push({ kind: 'socks', text: part });
      continue;
    }
    const protocol = upper === 'HTTPS' ? 'https' : 'http';
    try {
      entries.push({ kind: 'proxy', endpoint: parseProxySpec(`${protocol}://${address}`), text: part });
    } catch (err) {
      throw usageError('ERR_PAC', `PAC FindProxyForURL returned ${shown(result)}: ${(err as Error).message}`, err);
    }
  }
  if (entries.length === 0) throw usageError('ERR_PAC', `PAC FindProxyForURL returned ${shown(result)}, no entry; a PAC file says DIRECT to go direct`);
  return entries;
}
