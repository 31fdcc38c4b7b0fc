import { BlockList, isIP } from 'node:net';
import { isPortText, parseHostPort } from '../net/address';

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

  constructor(text: string | undefined) {
    this.entries = (text ?? '')
      .split(/[\s,]+/)
      .map((e) => e.trim())
      .filter((e) => e.length > 0);
    this.all = this.entries.includes('*');
    for (const entry of this.entries) this.add(entry.toLowerCase());
  }

  private add(entry: string): void {
    if (entry === '*') return;
    // Text after the colon that is not a port leaves the whole entry a name, which matches nothing.
    const split = parseHostPort(entry);
    const hp = split && (split.port === undefined || isPortText(split.port)) ? split : undefined;
    const host = hp?.host ?? entry;
    const port = hp?.port === undefined ? undefined : Number(hp.port);
    const cidr = /^(.+)\/(\d{1,3})$/.exec(host);
    if (cidr) {
      const family = isIP(cidr[1] as string);
      const prefix = Number(cidr[2]);
      if (family && prefix <= (family === 4 ? 32 : 128)) {
        this.ips.addSubnet(cidr[1] as string, prefix, family === 4 ? 'ipv4' : 'ipv6');
      }
      return;
    }
    const family = isIP(host);
    if (family) {
      if (port === undefined) this.ips.addAddress(host, family === 4 ? 'ipv4' : 'ipv6');
      else this.ipPorts.push({ ip: host, port });
      return;
    }
    const suffix = host.replace(/^\*?\./, '').replace(/\.$/, '');
    if (suffix) this.names.push(port === undefined ? { suffix } : { suffix, port });
  }

  /** True when connections to host:port must not use the proxy. */
  matches(rawHost: string, port: number): boolean {
    if (this.all) return true;
    const host = rawHost.toLowerCase().replace(/\.$/, '');
    const family = isIP(host);
    if (family) {
      if (this.ips.check(host, family === 4 ? 'ipv4' : 'ipv6')) return true;
      return this.ipPorts.some((e) => e.port === port && e.ip === host);
    }
    return this.names.some(
      (e) => (e.port === undefined || e.port === port) && (host === e.suffix || host.endsWith(`.${e.suffix}`)),
    );
  }
}
