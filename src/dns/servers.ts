import { formatHostPort, isPortText, parseHostPort } from '../net/address';
import { usageError } from '../errors';
import { readLines } from '../util/files';
import { canonicalIp, ipFamily } from '../util/ip';

/**
 * Where ptunnel sends its DNS questions. `system` stays symbolic until the resolver is built so
 * that --print-config shows what the user wrote, and /etc/resolv.conf is read once per start.
 */
export type DnsServerSpec =
  | { kind: 'udp' | 'tcp'; host: string; port: number; label: string }
  | { kind: 'doh'; url: URL; method: 'GET' | 'POST'; label: string }
  | { kind: 'system'; label: 'system' };

/** A server ready to be asked: `system` expanded into the nameservers it stands for. */
export type DnsServer = Exclude<DnsServerSpec, { kind: 'system' }>;
export type PlainServer = Extract<DnsServerSpec, { kind: 'udp' | 'tcp' }>;

function parsePortText(text: string, entry: string): number {
  if (!isPortText(text) || Number(text) < 1 || Number(text) > 65535) {
    throw usageError('ERR_CONFIG', `DNS server ${JSON.stringify(entry)}: port ${JSON.stringify(text)} is not a port number (1-65535)`);
  }
  return Number(text);
}

/** `IP`, `IP:port`, `[IPv6]:port`, or a bare IPv6 literal. */
function parseIpPort(text: string, entry: string): { host: string; port: number } {
  const hp = parseHostPort(text);
  const host = hp?.host ?? text;
  const port = hp?.port === undefined ? 53 : parsePortText(hp.port, entry);
  if (!ipFamily(host)) {
    // A name here would need a resolver to find the resolver, and would go through the hosts file.
    throw usageError(
      'ERR_CONFIG',
      `DNS server ${JSON.stringify(entry)}: "${host}" is not an IP address; UDP and TCP servers are given by address (e.g. 1.1.1.1 or [2606:4700:4700::1111]:53)`,
    );
  }
  // The kernel reports a reply's source in canonical form; the source check compares strings.
  return { host: canonicalIp(host.toLowerCase()), port };
}

/**
 * One entry of the --dns list. DoH uses POST unless the URL is an RFC 8484 template with
 * `{?dns}`, which asks for GET (cache-friendly, what some servers prefer).
 */
export function parseDnsServer(entry: string): DnsServerSpec {
  const text = entry.trim();
  if (text === 'system') return { kind: 'system', label: 'system' };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(text);
  if (!scheme) {
    const { host, port } = parseIpPort(text, entry);
    return { kind: 'udp', host, port, label: formatHostPort(host, port) };
  }
  const proto = (scheme[1] as string).toLowerCase();
  const rest = (scheme[2] as string).replace(/\/$/, '');
  if (proto === 'udp' || proto === 'tcp') {
    const { host, port } = parseIpPort(rest, entry);
    return { kind: proto, host, port, label: `${proto}://${formatHostPort(host, port)}` };
  }
  if (proto === 'https') {
    const template = text.endsWith('{?dns}');
    let url: URL;
    try {
      url = new URL(template ? text.slice(0, -'{?dns}'.length) : text);
    } catch {
      throw usageError('ERR_CONFIG', `DNS server ${JSON.stringify(entry)} is not a valid URL; write e.g. https://1.1.1.1/dns-query`);
    }
    if (url.username || url.password) {
      throw usageError('ERR_CONFIG', `DNS server ${JSON.stringify(entry)}: credentials in a DoH URL are not supported`);
    }
    if (url.search || url.hash) {
      throw usageError('ERR_CONFIG', `DNS server ${JSON.stringify(entry)}: give the DoH path without a query or fragment (e.g. https://1.1.1.1/dns-query)`);
    }
    return { kind: 'doh', url, method: template ? 'GET' : 'POST', label: template ? `${url.href}{?dns}` : url.href };
  }
  throw usageError(
    'ERR_CONFIG',
    `DNS server ${JSON.stringify(entry)}: unknown scheme "${proto}://"; use IP[:port], udp://, tcp://, https://HOST/PATH or system`,
  );
}

export function parseDnsServers(list: readonly string[]): DnsServerSpec[] {
  if (list.length === 0) throw usageError('ERR_CONFIG', 'the DNS server list is empty; give at least one server, or "system"');
  return list.map(parseDnsServer);
}

export interface ResolvConfPaths {
  /** /etc/resolv.conf */
  resolvConf: string;
  /** Where systemd-resolved writes its upstream servers. */
  systemdUpstream: string;
}

export const DEFAULT_RESOLV_CONF: ResolvConfPaths = {
  resolvConf: '/etc/resolv.conf',
  systemdUpstream: '/run/systemd/resolve/resolv.conf',
};

function readNameservers(file: string): string[] {
  const out: string[] = [];
  for (const line of readLines(file)) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    // Link-local scope ids (fe80::1%eth0) cannot be used by dgram as written; skip them.
    if (m && ipFamily(m[1] as string) && !(m[1] as string).includes('%')) out.push((m[1] as string).toLowerCase());
  }
  return out;
}

const SYSTEMD_STUB = new Set(['127.0.0.53', '127.0.0.54']);

/**
 * The nameservers `system` stands for. Behind systemd-resolved's stub (which answers from the
 * hosts file) its real upstreams are appended, so a hosts-file answer refused by the loop guard
 * still leaves the network's own DNS to ask before the public fallbacks.
 */
export function systemServers(paths: ResolvConfPaths = DEFAULT_RESOLV_CONF): PlainServer[] {
  const found = readNameservers(paths.resolvConf);
  if (found.some((ip) => SYSTEMD_STUB.has(ip))) {
    for (const ip of readNameservers(paths.systemdUpstream)) if (!found.includes(ip)) found.push(ip);
  }
  return found.map((host) => ({ kind: 'udp', host, port: 53, label: `system ${formatHostPort(host, 53)}` }));
}

export function expandServers(specs: readonly DnsServerSpec[], paths?: ResolvConfPaths): DnsServer[] {
  const out: DnsServer[] = [];
  for (const s of specs) {
    if (s.kind === 'system') out.push(...systemServers(paths));
    else out.push(s);
  }
  return out;
}
