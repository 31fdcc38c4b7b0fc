import { BlockList } from 'node:net';
import { asciiHost, HostPortText, isPortText, parseHostPort, validateHost } from '../net/address';
import { blockListFamily, ipFamily } from '../util/ip';

/**
 * NO_PROXY as curl and most tools read it: entries split by commas or spaces; `*` matches all;
 * `example.com` and `.example.com` match the domain and every name below it; `host:port`
 * limits an entry to one port; IP addresses and CIDR ranges match IP-literal targets only
 * (names are not resolved to decide the route).
 */
export class NoProxy {
  private readonly all: boolean;
  private readonly names: Array<{ suffix: string; port?: number }> = [];
  private readonly ips = new BlockList();
  private readonly ipPorts: Array<{ ip: string; port: number }> = [];
  readonly entries: string[];
  /** Entries that can match nothing, each with why: the caller warns about them once. */
  readonly invalid: Array<{ entry: string; reason: string }> = [];

  /** `source` names where the text came from, for warnings: the setting or the variable. */
  constructor(
    text: string | undefined,
    readonly source = 'NO_PROXY',
  ) {
    this.entries = (text ?? '')
      .split(/[\s,]+/)
      .map((e) => e.trim())
      .filter((e) => e.length > 0);
    this.all = this.entries.includes('*');
    for (const entry of this.entries) {
      const reason = this.add(entry.toLowerCase());
      if (reason !== undefined) this.invalid.push({ entry, reason });
    }
  }

  /** Adds one entry; what is wrong with it when it can match nothing (it is then left out). */
  private add(entry: string): string | undefined {
    if (entry === '*') return undefined;
    // An IPv6 range (fd00::/8) holds colons that are no port separator.
    const split: HostPortText | undefined = /^[\d.:a-f]+\/\d+$/.test(entry) ? { host: entry, bracketed: false } : parseHostPort(entry);
    if (!split) return 'it is not HOST, HOST:PORT or [IPv6]:PORT';
    if (split.port !== undefined && !(isPortText(split.port) && Number(split.port) <= 65535)) {
      return `${JSON.stringify(split.port)} is not a port number (1-65535)`;
    }
    const host = split.host;
    const port = split.port === undefined ? undefined : Number(split.port);
    const cidr = /^(.+)\/(\d+)$/.exec(host);
    if (cidr) {
      const family = ipFamily(cidr[1] as string);
      const prefix = Number(cidr[2]);
      if (!family) return `${JSON.stringify(cidr[1])} is not an IP address, as a CIDR range needs`;
      const most = family === 4 ? 32 : 128;
      if (prefix > most) return `the prefix length /${cidr[2] as string} is more than ${most}, the most an IPv${family} range has`;
      this.ips.addSubnet(cidr[1] as string, prefix, blockListFamily(family));
      return undefined;
    }
    const family = ipFamily(host);
    if (family) {
      if (port === undefined) this.ips.addAddress(host, blockListFamily(family));
      else this.ipPorts.push({ ip: host, port });
      return undefined;
    }
    const suffix = host.replace(/^\*?\./, '').replace(/\.$/, '');
    if (suffix.includes('*')) return 'a * stands only alone or as a leading "*." (write .example.com for a domain and all names below it)';
    try {
      validateHost(suffix, 'name');
    } catch (err) {
      return (err as Error).message;
    }
    // Punycode, as every target host is: a name given in Unicode matches its converted form.
    const ascii = asciiHost(suffix).toLowerCase();
    this.names.push(port === undefined ? { suffix: ascii } : { suffix: ascii, port });
    return undefined;
  }

  /** True when connections to host:port must not use the proxy. */
  matches(rawHost: string, port: number): boolean {
    if (this.all) return true;
    const host = rawHost.toLowerCase().replace(/\.$/, '');
    const family = ipFamily(host);
    if (family) {
      if (this.ips.check(host, blockListFamily(family))) return true;
      return this.ipPorts.some((e) => e.port === port && e.ip === host);
    }
    return this.names.some(
      (e) => (e.port === undefined || e.port === port) && (host === e.suffix || host.endsWith(`.${e.suffix}`)),
    );
  }
}
